/**
 * A resource's registration when the monitor is the SDK's mock monitor, without the engine's
 * messages. Part of what a plan avoids (see offline-sdk.ts): it imports no SDK module, the SDK's
 * functions are handed in.
 */

interface MockResult {
  id?: string;
  state: Record<string, unknown>;
}

/** The SDK's MockMonitor, as setMocks makes it: the mocks, what it registered, its URNs. */
export interface MockMonitor {
  mocks: { newResource(args: Record<string, unknown>): Promise<MockResult> | MockResult };
  resources: Map<string, unknown>;
  newUrn(parent: string, type: string, name: string): string;
}

/** What the SDK's prepareResource gives: the resource's Outputs' resolvers, its inputs serialized. */
export interface PreparedResource {
  resolveURN(urn: string, err?: unknown): void;
  resolveID?: (id: string | undefined, isKnown: boolean, err?: unknown) => void;
  resolvers: Record<string, unknown>;
  serializedProps: Record<string, unknown>;
  parentURN?: string;
  providerRef?: string;
  import?: string;
}

/** runtime/resource.js's registerResource: the Resource constructor calls it through the module. */
export type RegisterResource = (
  res: unknown,
  parent: unknown,
  type: string,
  name: string,
  custom: boolean,
  remote: boolean,
  newDependency: unknown,
  props: Record<string, unknown>,
  opts: Record<string, unknown>,
  ...rest: unknown[] // source position, stack trace, package reference
) => void;

export interface RegistrationSdk {
  registerResource: RegisterResource;
  prepareResource(...args: unknown[]): Promise<PreparedResource>;
  isMockMonitor(monitor: unknown): monitor is MockMonitor;
  getMonitor(): unknown;
  rpcKeepAlive(): () => void;
  isDryRun(): boolean;
  isLegacyApplyEnabled(): boolean;
  deserializeProperties(struct: { toJavaScript(): unknown }, keepUnknowns?: boolean): Record<string, unknown>;
  deserializeProperty(value: unknown, keepUnknowns?: boolean): unknown;
  serializeProperty(label: string, value: unknown, deps: Set<unknown>, opts: unknown): Promise<unknown>;
  serializeProperties(label: string, props: Record<string, unknown>): Promise<Record<string, unknown>>;
  resolveProperties(...args: unknown[]): void;
}

/** Options only an engine acts on: a resource with any of them registers through the SDK's path. */
function engineOnly(opts: Record<string, unknown>, packageRef: unknown): boolean {
  const some = (value: unknown) => Array.isArray(value) && value.length > 0;
  return (
    packageRef !== undefined ||
    some(opts.transforms) ||
    opts.hooks !== undefined ||
    some(opts.aliases) ||
    opts.replacementTrigger !== undefined ||
    some(opts.replaceWith)
  );
}

/**
 * The SDK's registerResource, when its monitor is the mock monitor. The SDK prepares the resource
 * (its Outputs, its inputs serialized, its parent's URN and its provider), the mocks get what the
 * mock monitor gives them, and the Outputs resolve as the SDK resolves them, errors included. Left
 * out: the request and response messages between the SDK and the mock monitor in the same
 * process, and the engine's bookkeeping (resource operation chain, aliases, hooks). A resource with
 * options only an engine acts on, or any monitor but the mock one, goes through the SDK's own.
 */
export function mockRegistration(sdk: RegistrationSdk): RegisterResource {
  const struct = (value: unknown) => ({ toJavaScript: () => value });
  return (res, parent, type, name, custom, remote, newDependency, props, opts, ...rest) => {
    const monitor = sdk.getMonitor();
    if (remote || !sdk.isMockMonitor(monitor) || engineOnly(opts, rest[2])) {
      sdk.registerResource(res, parent, type, name, custom, remote, newDependency, props, opts, ...rest);
      return;
    }
    const label = `resource:${name}[${type}]`;
    const done = sdk.rpcKeepAlive();
    sdk
      .prepareResource(label, res, parent, custom, remote, props, opts, type, name)
      .then(async (prepared) => {
        let failure: Error | undefined;
        let urn = "";
        let id: string | undefined;
        let state: Record<string, unknown> | undefined;
        try {
          const result = await monitor.mocks.newResource({
            type,
            name,
            inputs: sdk.deserializeProperties(struct(prepared.serializedProps)),
            provider: prepared.providerRef ?? "",
            custom,
            id: prepared.import ?? "",
          });
          urn = monitor.newUrn(prepared.parentURN ?? "", type, name);
          state = await sdk.serializeProperties("", result.state);
          monitor.resources.set(urn, { urn, id: result.id ?? null, state });
          id = result.id || undefined;
        } catch (err) {
          // The SDK's words for a registration the monitor refused.
          const reason = err instanceof Error ? err.message : String(err);
          failure = new Error(`failed to register new resource ${name} [${type}]: ${reason}`);
        }
        prepared.resolveURN(urn, failure);
        prepared.resolveID?.(id, id !== undefined, failure);
        const outputs = state ? sdk.deserializeProperties(struct(state)) : {};
        // As the SDK's resolveOutputs: an input the state leaves out resolves to the input.
        if (!failure && (!sdk.isDryRun() || sdk.isLegacyApplyEnabled())) {
          for (const key of Object.keys(props)) {
            if (Object.hasOwn(outputs, key) || props[key] === undefined) continue;
            const input = await sdk.serializeProperty(label, props[key], new Set(), {
              keepOutputValues: false,
            });
            if (input !== undefined) outputs[key] = sdk.deserializeProperty(input, false);
          }
        }
        sdk.resolveProperties(res, prepared.resolvers, type, name, outputs, {}, failure, false);
        done();
      })
      .catch((err: unknown) => {
        done();
        throw err; // unhandled, as the SDK's own registration leaves it
      });
  };
}

type DependencyUrns = (...args: unknown[]) => Promise<Set<string>>;

/**
 * The SDK's getAllTransitivelyReferencedResourceURNs, answering nothing under the mock monitor: the
 * URNs of what a resource depends on tell an engine the order of its operations, and the mock
 * monitor drops them. Gathering them awaited every dependency's URN and walked every component's
 * children, per resource.
 */
export function noDependencyUrnsUnderMocks(
  sdkUrns: DependencyUrns,
  underMocks: () => boolean,
): DependencyUrns {
  return (...args) => (underMocks() ? Promise.resolve(new Set()) : sdkUrns(...args));
}
