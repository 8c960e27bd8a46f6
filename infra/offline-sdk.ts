import { existsSync, readdirSync } from "node:fs";
import { createRequire, type Module } from "node:module";
import { dirname, join } from "node:path";
import { lazyTransferProperties, type OutputClass } from "./offline-sdk/lazy-outputs.ts";
import {
  type MockMonitor,
  mockRegistration,
  noDependencyUrnsUnderMocks,
  type RegistrationSdk,
} from "./offline-sdk/mock-registration.ts";
import { plainFirst, type SdkSerializers } from "./offline-sdk/plain-serialization.ts";

/**
 * What the Pulumi SDK does for nothing when garde plan evaluates the program offline, under
 * mocks, and how the plan avoids it. The SDK is reached through its own CommonJS modules (the ones
 * it calls through), never a copy of them: this module imports no SDK module statically, so that
 * importing it first defers what the SDK would load at start-up.
 */

const ownRequire = createRequire(import.meta.url);
const sdkRequire = createRequire(ownRequire.resolve("@pulumi/pulumi"));

/**
 * A module that loads only when a property of it is first read. Keys and `default` follow
 * TypeScript's __importStar: the SDK imports @npmcli/arborist through it, which would otherwise
 * enumerate (and so load) the module at once.
 */
function lazyModule(file: string): object {
  let real: Record<PropertyKey, unknown> | undefined;
  const load = () => {
    if (!real) {
      delete sdkRequire.cache[file];
      real = sdkRequire(file) as Record<PropertyKey, unknown>;
    }
    return real;
  };
  return new Proxy(
    {},
    {
      get: (_, key) => {
        if (key === "__esModule") return true;
        const module = load();
        return key === "default" && !module.__esModule ? module : module[key];
      },
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      // A proxy may report a property its (empty) target lacks only as configurable.
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

/**
 * What loading @pulumi/pulumi loads that a plan never reaches: TypeScript (9 MB, to parse the
 * functions it serializes into closures) and @npmcli/arborist (to compute a closure's code paths),
 * the Automation API (it drives the pulumi CLI) and the provider server. They were three quarters
 * of the SDK's 0.6 s start-up here. A plan registers resources under mocks, so each is put off
 * until something reads it: the SDK's require of it finds a lazy module in the cache.
 */
const NEVER_REACHED_OFFLINE = ["./typescript-shim", "@npmcli/arborist", "./automation", "./provider"];

/** Puts a lazy module in the require cache for a file not loaded yet (else it would load twice). */
function defer(file: string): void {
  if (sdkRequire.cache[file]) return;
  const module = { id: file, filename: file, loaded: true, exports: lazyModule(file), children: [] };
  sdkRequire.cache[file] = module as unknown as Module;
}

function deferWhatPlansNeverReach(): void {
  for (const specifier of NEVER_REACHED_OFFLINE) {
    try {
      defer(sdkRequire.resolve(specifier));
    } catch {
      // another SDK version without it: nothing to defer
    }
  }
}

/**
 * The provider SDKs whose index loads every namespace of the package: @pulumi/gcp's ~180 (80 ms
 * here) for the 13 the program uses, @pulumi/kubernetes's ~30 (50 ms) for 6. Each namespace is put
 * off until the program first reads it (gcp.storage): it then loads whole, registering its
 * resource modules as it always did, so whatever the program reaches works as before.
 */
const PROVIDER_PACKAGES = ["@pulumi/gcp", "@pulumi/kubernetes"];

function deferProviderNamespaces(): void {
  for (const pkg of PROVIDER_PACKAGES) {
    let root: string;
    try {
      root = dirname(ownRequire.resolve(pkg));
    } catch {
      continue; // not installed: the program cannot use it either
    }
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      const index = join(root, entry.name, "index.js");
      if (entry.isDirectory() && existsSync(index)) defer(index);
    }
  }
}

deferWhatPlansNeverReach();
deferProviderNamespaces();

interface PlainStruct {
  __plain?: unknown;
  toJavaScript(): unknown;
}

/** A property of an SDK module, replaced until `restore` puts the SDK's own back. */
function replace<M extends object, K extends keyof M>(
  module: M,
  key: K,
  by: (own: M[K]) => M[K],
  restore: (() => void)[],
) {
  const own = module[key];
  module[key] = by(own);
  restore.push(() => {
    module[key] = own;
  });
}

/**
 * Turns off, while a plan evaluates, what the SDK does per resource for nothing offline, and
 * returns what restores it (each is read through a module property at every call):
 * - source positions (Resource.callsites) and leak tracking (debuggablePromise): a stack trace
 *   per resource and per promise, a third of a plan's CPU before;
 * - the protobuf round trips between the SDK and the mock monitor, which share a process: every
 *   registration's inputs and state went through google.protobuf.Struct four times. Here a Struct
 *   carries its JavaScript value as is, and gives it back;
 * - an Output for every property of every resource, read or not (lazy-outputs.ts);
 * - a promise and a turn for every plain value the SDK serializes (plain-serialization.ts);
 * - the request and response messages of each registration, and the engine's bookkeeping, when
 *   the monitor is the mock one (mock-registration.ts).
 */
export function offlineRuntime(): () => void {
  const sdk = <T>(file: string) => sdkRequire(file) as T;
  const resource = sdk<{ Resource: { callsites: () => unknown[] } }>("./resource.js").Resource;
  const promises = sdk<{ debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> }>(
    "./runtime/debuggable.js",
  );
  const { Struct } = sdk<{
    Struct: (new () => PlainStruct) & { fromJavaScript(value: unknown): PlainStruct };
  }>("google-protobuf/google/protobuf/struct_pb.js");
  const rpc = sdk<
    SdkSerializers &
      Pick<
        RegistrationSdk,
        "deserializeProperties" | "deserializeProperty" | "serializeProperty" | "resolveProperties"
      > & { transferProperties: unknown }
  >("./runtime/rpc.js");
  const registration =
    sdk<Pick<RegistrationSdk, "registerResource" | "prepareResource">>("./runtime/resource.js");
  const settings =
    sdk<Pick<RegistrationSdk, "getMonitor" | "rpcKeepAlive" | "isDryRun" | "isLegacyApplyEnabled">>(
      "./runtime/settings.js",
    );
  const dependsOn = sdk<{
    getAllTransitivelyReferencedResourceURNs: (...args: unknown[]) => Promise<Set<string>>;
  }>("./runtime/dependsOn.js");
  const { MockMonitor } = sdk<{ MockMonitor: new (...args: never[]) => MockMonitor }>("./runtime/mocks.js");
  const { Output } = sdk<{ Output: OutputClass }>("./output.js");
  const { isGrpcError } = sdk<{ isGrpcError: (err: unknown) => boolean }>("./errors.js");
  const isMockMonitor = (monitor: unknown): monitor is MockMonitor => monitor instanceof MockMonitor;

  const restore: (() => void)[] = [];
  replace(resource, "callsites", () => () => [], restore);
  replace(promises, "debuggablePromise", () => (p) => p, restore);
  carryPlainValues(Struct, restore);
  replace(rpc, "transferProperties", () => lazyTransferProperties(Output, isGrpcError), restore);
  const serializers = plainFirst({
    serializeResourceProperties: rpc.serializeResourceProperties,
    serializeProperties: rpc.serializeProperties,
  });
  replace(rpc, "serializeResourceProperties", () => serializers.serializeResourceProperties, restore);
  replace(rpc, "serializeProperties", () => serializers.serializeProperties, restore);
  replace(
    dependsOn,
    "getAllTransitivelyReferencedResourceURNs",
    (own) => noDependencyUrnsUnderMocks(own, () => isMockMonitor(settings.getMonitor())),
    restore,
  );
  replace(
    registration,
    "registerResource",
    (own) =>
      mockRegistration({
        registerResource: own,
        prepareResource: registration.prepareResource,
        isMockMonitor,
        getMonitor: settings.getMonitor,
        rpcKeepAlive: settings.rpcKeepAlive,
        isDryRun: settings.isDryRun,
        isLegacyApplyEnabled: settings.isLegacyApplyEnabled,
        deserializeProperties: rpc.deserializeProperties,
        deserializeProperty: rpc.deserializeProperty,
        serializeProperty: rpc.serializeProperty,
        serializeProperties: serializers.serializeProperties, // plain values at once, as everywhere else
        resolveProperties: rpc.resolveProperties,
      }),
    restore,
  );
  return () => {
    for (const undo of restore.reverse()) undo();
  };
}

/** A Struct carries its JavaScript value as is, and gives it back: no protobuf round trip in-process. */
function carryPlainValues(
  Struct: (new () => PlainStruct) & { fromJavaScript(value: unknown): PlainStruct },
  restore: (() => void)[],
): void {
  replace(
    Struct,
    "fromJavaScript",
    () => (value) => {
      const struct = new Struct();
      struct.__plain = value;
      return struct;
    },
    restore,
  );
  replace(
    Struct.prototype,
    "toJavaScript",
    (own) =>
      function (this: PlainStruct) {
        return this.__plain !== undefined ? this.__plain : own.call(this);
      },
    restore,
  );
}
