import type { PolicyConfigSchema } from "@pulumi/policy";

/** Reading resource properties as the engine hands them to a policy: plain JSON, secrets unwrapped. */

export const DAY = 86_400;

/** The value at a dotted path ("settings.backupConfiguration.enabled"; "containers.0.image"). */
export function at(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A policy's settings: what the pack config gives, the schema's defaults for the rest. */
export function settingsOf<T extends object>(schema: PolicyConfigSchema, given: object): T {
  const defaults = Object.fromEntries(
    Object.entries(schema.properties).flatMap(([k, p]) =>
      (p as { default?: unknown }).default === undefined ? [] : [[k, (p as { default?: unknown }).default]],
    ),
  );
  return { ...defaults, ...given } as T;
}

/** The last path segment of a resource reference: `projects/p/topics/t` and `t` name the same topic. */
export const lastSegment = (ref: unknown) =>
  String(ref ?? "")
    .split("/")
    .pop() ?? "";

/** Duration strings as the Google APIs write them ("2592000s") in seconds. */
export const durationSeconds = (v: unknown) => Number(String(v ?? "").replace(/s$/, ""));
