import { existsSync, readdirSync } from "node:fs";
import { createRequire, type Module } from "node:module";
import { dirname, join } from "node:path";

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

/** What the SDK's registration hands each transferred property once the monitor answers. */
type PropertyResolver = (
  value: unknown,
  isKnown: boolean,
  isSecret: boolean,
  deps?: unknown[],
  err?: unknown,
) => void;

type OutputClass = new (
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
    for (const key of Object.keys(props)) {
      if (key === "id" || key === "urn") continue; // the registration makes these itself
      if (Object.hasOwn(onto, key))
        throw new Error(`Property '${key}' is already initialized on target '${label}`);
      let settled: Parameters<PropertyResolver> | undefined;
      let settle: ((outcome: Parameters<PropertyResolver>) => void) | undefined;
      let output: unknown;
      resolvers[key] = (value, isKnown, isSecret, deps = [], err) => {
        if (err && isGrpcError(err)) return; // the SDK leaves these pending: the monitor is going away
        settled = [value, isKnown, isSecret, deps, err];
        settle?.(settled);
      };
      Object.defineProperty(onto, key, {
        configurable: true,
        enumerable: true,
        get() {
          if (output === undefined) {
            const value = deferred<unknown>();
            const known = deferred<boolean>();
            const secret = deferred<boolean>();
            const deps = deferred<unknown>();
            settle = ([v, isKnown, isSecret, resources, err]) => {
              if (err) for (const d of [value, known, secret, deps]) d.reject(err);
              else {
                value.resolve(v);
                known.resolve(isKnown);
                secret.resolve(isSecret);
                deps.resolve(resources);
              }
            };
            output = new Output(onto, value.promise, known.promise, secret.promise, deps.promise);
            if (settled) settle(settled);
          }
          return output;
        },
        // A program may replace a property (the SDK's own were writable data properties).
        set(value: unknown) {
          Object.defineProperty(onto, key, { value, writable: true, configurable: true, enumerable: true });
        },
      });
    }
    return resolvers;
  };
}

/**
 * Turns off, while a plan evaluates, what the SDK does per resource for nothing offline, and
 * returns what restores it (each is read through a module property at every call):
 * - source positions (Resource.callsites) and leak tracking (debuggablePromise): a stack trace
 *   per resource and per promise, a third of a plan's CPU before;
 * - the protobuf round trips between the SDK and the mock monitor, which share a process: every
 *   registration's inputs and state went through google.protobuf.Struct four times. Here a Struct
 *   carries its JavaScript value as is, and gives it back;
 * - an Output for every property of every resource, read or not (lazyTransferProperties).
 */
export function offlineRuntime(): () => void {
  const promises = sdkRequire("./runtime/debuggable.js") as {
    debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
  };
  const { Struct } = sdkRequire("google-protobuf/google/protobuf/struct_pb.js") as {
    Struct: (new () => PlainStruct) & { fromJavaScript(value: unknown): PlainStruct };
  };
  const resource = (sdkRequire("./resource.js") as { Resource: { callsites: () => unknown[] } }).Resource;
  const rpc = sdkRequire("./runtime/rpc.js") as { transferProperties: unknown };
  const { Output } = sdkRequire("./output.js") as { Output: OutputClass };
  const { isGrpcError } = sdkRequire("./errors.js") as { isGrpcError: (err: unknown) => boolean };
  const saved = {
    transferProperties: rpc.transferProperties,
    callsites: resource.callsites,
    debuggablePromise: promises.debuggablePromise,
    fromJavaScript: Struct.fromJavaScript,
    toJavaScript: Struct.prototype.toJavaScript,
  };
  resource.callsites = () => [];
  rpc.transferProperties = lazyTransferProperties(Output, isGrpcError);
  promises.debuggablePromise = (p) => p;
  Struct.fromJavaScript = (value) => {
    const struct = new Struct();
    struct.__plain = value;
    return struct;
  };
  Struct.prototype.toJavaScript = function (this: PlainStruct) {
    return this.__plain !== undefined ? this.__plain : saved.toJavaScript.call(this);
  };
  return () => {
    resource.callsites = saved.callsites;
    rpc.transferProperties = saved.transferProperties;
    promises.debuggablePromise = saved.debuggablePromise;
    Struct.fromJavaScript = saved.fromJavaScript;
    Struct.prototype.toJavaScript = saved.toJavaScript;
  };
}
