/**
 * Property serialization without a promise per plain value. Part of what a plan avoids (see
 * offline-sdk.ts): it imports no SDK module, the SDK's serializers are handed in.
 */

/** What serializeProperty answers for a value that holds no Output, promise, resource or asset. */
export const NOT_PLAIN = Symbol("not plain");

/**
 * A plain value (primitives, arrays and object literals, nested) as the SDK's serializeProperty
 * would serialize it, at once: functions and undefined object members dropped, undefined array
 * elements made null. NOT_PLAIN for anything else, which the SDK's own serializer then handles.
 */
export function plainSerialized(value: unknown, depth = 0): unknown {
  if (typeof value === "function") return undefined;
  if (value === null || typeof value !== "object") {
    return typeof value === "bigint" || typeof value === "symbol" ? NOT_PLAIN : value;
  }
  if (depth > 32) return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = plainSerialized(value[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item === undefined ? null : item;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN; // Output, Promise, Resource, Asset…
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const member = plainSerialized((value as Record<string, unknown>)[key], depth + 1);
    if (member === NOT_PLAIN) return NOT_PLAIN;
    if (member !== undefined) out[key] = member;
  }
  return out;
}

type Serialized = [Record<string, unknown>, Map<string, Set<unknown>>];

export interface SdkSerializers {
  /** Every key but id and urn, with each key's dependencies (resource inputs). */
  serializeResourceProperties(
    label: string,
    props: Record<string, unknown>,
    opts?: unknown,
  ): Promise<Serialized>;
  /** Every key (the mock monitor serializes a resource's state so). */
  serializeProperties(
    label: string,
    props: Record<string, unknown>,
    opts?: unknown,
  ): Promise<Record<string, unknown>>;
}

/**
 * The SDK's property serialization, with plain values copied at once. The SDK awaits every value
 * and every member of every value, a promise and a turn each; under mocks most inputs are plain
 * strings and lists. Keys that hold an Output, a promise or a resource still go, in the same order,
 * through the SDK's own serializer (and its errors, which name the property).
 */
export function plainFirst(sdk: SdkSerializers): SdkSerializers {
  const serialize = async (
    label: string,
    props: Record<string, unknown>,
    inputs: boolean,
    opts?: unknown,
  ) => {
    const plain = new Map<string, unknown>();
    const rest: Record<string, unknown> = {};
    let anyRest = false;
    for (const key of Object.keys(props)) {
      if (inputs && (key === "id" || key === "urn")) continue;
      const value = plainSerialized(props[key]);
      if (value !== NOT_PLAIN) plain.set(key, value);
      else {
        rest[key] = props[key];
        anyRest = true;
      }
    }
    let serialized: Record<string, unknown> = {};
    let dependencies = new Map<string, Set<unknown>>();
    if (anyRest && inputs)
      [serialized, dependencies] = await sdk.serializeResourceProperties(label, rest, opts);
    else if (anyRest) serialized = await sdk.serializeProperties(label, rest, opts);
    const result: Record<string, unknown> = {};
    const byKey = new Map<string, Set<unknown>>();
    for (const key of Object.keys(props)) {
      const value = plain.has(key) ? plain.get(key) : serialized[key];
      if (value === undefined) continue; // the SDK leaves out what serializes to undefined
      result[key] = value;
      byKey.set(key, dependencies.get(key) ?? new Set());
    }
    return [result, byKey] as Serialized;
  };
  return {
    serializeResourceProperties: (label, props, opts) => serialize(label, props, true, opts),
    serializeProperties: async (label, props, opts) => (await serialize(label, props, false, opts))[0],
  };
}
