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
