import jsonPatch from "fast-json-patch";
import { ApiError, type KObject } from "./store.ts";

export const PATCH_TYPES = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
} as const;

/** JSON merge patch (RFC 7386): objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const base =
    target && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

/**
 * Lists the built-in types merge by a key under strategic merge patch (the patchMergeKey of
 * k8s.io/api): the ones in Deployments, Pods and Services. Any other list is replaced whole.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  env: "name",
  envFrom: "",
  ports: "containerPort",
  volumes: "name",
  volumeMounts: "mountPath",
  imagePullSecrets: "name",
  conditions: "type",
  ownerReferences: "uid",
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

function mergeList(key: string, base: unknown[], patch: unknown[], parentIsService: boolean): unknown[] {
  // A Service's ports merge by port, a container's by containerPort.
  const mergeKey = key === "ports" && parentIsService ? "port" : MERGE_KEYS[key];
  if (!mergeKey || !patch.every(isObject)) return patch;
  const out = base.map((item) => (isObject(item) ? { ...item } : item)) as unknown[];
  for (const item of patch as Json[]) {
    const directive = item.$patch;
    const id = item[mergeKey];
    const index = out.findIndex((o) => isObject(o) && o[mergeKey] === id);
    if (directive === "delete") {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    const { $patch: _, ...rest } = item;
    if (index >= 0) out[index] = strategicMerge(out[index], rest, parentIsService);
    else out.push(strategicMerge(undefined, rest, parentIsService));
  }
  return out;
}

/**
 * Strategic merge patch as the API server applies it to built-in types: maps merge, null deletes,
 * lists with a merge key merge item by item ($patch: delete removes one), `$patch: replace`
 * replaces a map, and the ordering directives ($setElementOrder/…, $retainKeys) kubectl sends are
 * honoured as far as order goes (ignored: the emulator keeps insertion order).
 */
export function strategicMerge(target: unknown, patch: unknown, isService = false): unknown {
  if (!isObject(patch)) return patch;
  if (patch.$patch === "replace") {
    const { $patch: _, ...rest } = patch;
    return rest;
  }
  const base: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$setElementOrder/") || key === "$retainKeys" || key === "$patch") continue;
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const listKey = key.slice("$deleteFromPrimitiveList/".length);
      const gone = new Set(value as unknown[]);
      base[listKey] = ((base[listKey] as unknown[]) ?? []).filter((v) => !gone.has(v));
      continue;
    }
    if (value === null) delete base[key];
    else if (Array.isArray(value))
      base[key] = mergeList(key, Array.isArray(base[key]) ? (base[key] as unknown[]) : [], value, isService);
    else if (isObject(value)) base[key] = strategicMerge(base[key], value, isService);
    else base[key] = value;
  }
  return base;
}

/** Applies a PATCH body of the given Content-Type, or says why the server refuses it. */
export function applyPatch(current: KObject, contentType: string, body: unknown): KObject {
  const type = contentType.split(";")[0]?.trim();
  if (type === PATCH_TYPES.merge) return mergePatch(current, body) as KObject;
  if (type === PATCH_TYPES.strategic)
    return strategicMerge(current, body, current.kind === "Service") as KObject;
  if (type === PATCH_TYPES.json) {
    if (!Array.isArray(body))
      throw new ApiError(400, "BadRequest", "json patch must be an array of operations");
    try {
      return jsonPatch.applyPatch(structuredClone(current), body as jsonPatch.Operation[], true, false)
        .newDocument;
    } catch (err) {
      throw new ApiError(422, "Invalid", `the json patch could not be applied: ${(err as Error).message}`);
    }
  }
  throw new ApiError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${Object.values(PATCH_TYPES).join(", ")}, application/apply-patch+yaml`,
  );
}
