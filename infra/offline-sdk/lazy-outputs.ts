/**
 * A resource's Outputs made when the program first reads them. Part of what a plan avoids (see
 * offline-sdk.ts): it imports no SDK module, the SDK's Output class is handed in.
 */

/** What the SDK's registration hands each transferred property once the monitor answers. */
export type PropertyResolver = (
  value: unknown,
  isKnown: boolean,
  isSecret: boolean,
  deps?: unknown[],
  err?: unknown,
) => void;

export type OutputClass = new (
  resources: unknown,
  value: Promise<unknown>,
  isKnown: Promise<boolean>,
  isSecret: Promise<boolean>,
  allResources: Promise<unknown>,
) => unknown;

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** One property's Output, made on first read, and how its registration settled, if it has. */
class LazyOutput {
  settled: Parameters<PropertyResolver> | undefined;
  settle: ((outcome: Parameters<PropertyResolver>) => void) | undefined;
  output: unknown;

  constructor(
    private readonly Output: OutputClass,
    private readonly resource: object,
  ) {}

  resolve(outcome: Parameters<PropertyResolver>): void {
    this.settled = outcome;
    this.settle?.(outcome);
  }

  read(): unknown {
    if (this.output === undefined) {
      const value = deferred<unknown>();
      const known = deferred<boolean>();
      const secret = deferred<boolean>();
      const deps = deferred<unknown>();
      this.settle = ([v, isKnown, isSecret, resources, err]) => {
        if (err) for (const d of [value, known, secret, deps]) d.reject(err);
        else {
          value.resolve(v);
          known.resolve(isKnown);
          secret.resolve(isSecret);
          deps.resolve(resources);
        }
      };
      this.output = new this.Output(
        this.resource,
        value.promise,
        known.promise,
        secret.promise,
        deps.promise,
      );
      if (this.settled) this.settle(this.settled);
    }
    return this.output;
  }
}

/** Where a resource keeps its properties' LazyOutputs, by name. */
const LAZY = Symbol("garde.lazyOutputs");
type WithLazy = { [LAZY]: Record<string, LazyOutput> };

/**
 * One accessor per property name, shared by every resource: 90,000 properties over a plan of 150
 * stacks share a few hundred. A program may replace a property: it becomes a data property then,
 * as the SDK's own were.
 */
const accessors = new Map<string, PropertyDescriptor>();
function accessorOf(key: string): PropertyDescriptor {
  let accessor = accessors.get(key);
  if (!accessor) {
    accessor = {
      configurable: true,
      enumerable: true,
      get(this: WithLazy) {
        return this[LAZY][key]?.read();
      },
      set(this: object, value: unknown) {
        Object.defineProperty(this, key, { value, writable: true, configurable: true, enumerable: true });
      },
    };
    accessors.set(key, accessor);
  }
  return accessor;
}

/**
 * The SDK's transferProperties, with each property's Output made when the program first reads it.
 * The SDK gives a resource an Output (four promises and their resolvers) for every property its
 * type declares: some 600 per stack, of which the program reads about 20. Each property is an
 * own, enumerable accessor; reading it gives the one Output the SDK would have made, pending until
 * the registration resolves it, or already settled. Errors and gRPC errors go as the SDK's go.
 */
export function lazyTransferProperties(Output: OutputClass, isGrpcError: (err: unknown) => boolean) {
  return (onto: Record<string, unknown>, label: string, props: Record<string, unknown>) => {
    const resolvers: Record<string, PropertyResolver> = {};
    const lazy: Record<string, LazyOutput> = {};
    Object.defineProperty(onto, LAZY, { value: lazy, configurable: true });
    for (const key of Object.keys(props)) {
      if (key === "id" || key === "urn") continue; // the registration makes these itself
      if (Object.hasOwn(onto, key))
        throw new Error(`Property '${key}' is already initialized on target '${label}`);
      const property = new LazyOutput(Output, onto);
      lazy[key] = property;
      resolvers[key] = (value, isKnown, isSecret, deps = [], err) => {
        if (err && isGrpcError(err)) return; // the SDK leaves these pending: the monitor is going away
        property.resolve([value, isKnown, isSecret, deps, err]);
      };
      Object.defineProperty(onto, key, accessorOf(key));
    }
    return resolvers;
  };
}
