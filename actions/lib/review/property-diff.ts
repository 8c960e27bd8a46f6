import type { PropertyChange } from "./model.ts";
import { assetLabel, isSecretEnvelope, SECRET_TEXT } from "./pulumi-values.ts";

export interface InputDiffOptions {
  /**
   * What a secret holds on one side, for comparison only (never shown). garde plan evaluates
   * secrets as stand-ins, so it passes the stack file's ciphertext digest: a re-keyed secret
   * shows as changed, `[secret]` → `[secret]`.
   */
  secretIdentity?: (value: unknown, side: "old" | "new") => string;
}

/** A key as Pulumi writes it in a property path: `a.b`, or `a["x.y"]` when it is not an identifier. */
function child(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A value for display: secrets as "[secret]", assets by hash, everything else as it is. */
export function shown(value: unknown): unknown {
  if (isSecretEnvelope(value) || value === SECRET_TEXT) return SECRET_TEXT;
  const asset = assetLabel(value);
  if (asset) return asset;
  if (Array.isArray(value)) return value.map(shown);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shown(v)]));
  return value;
}

/** Whether a value holds a secret anywhere: such a value is shown whole as "[secret]". */
function holdsSecret(value: unknown): boolean {
  if (isSecretEnvelope(value) || value === SECRET_TEXT) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (isPlainObject(value)) return Object.values(value).some(holdsSecret);
  return false;
}

function change(path: string, old: unknown, now: unknown): PropertyChange {
  const kind = old === undefined ? "add" : now === undefined ? "delete" : "update";
  const secret = holdsSecret(old) || holdsSecret(now);
  const out: PropertyChange = { path, kind };
  if (old !== undefined) out.old = secret ? SECRET_TEXT : shown(old);
  if (now !== undefined) out.new = secret ? SECRET_TEXT : shown(now);
  return out;
}

function walk(old: unknown, now: unknown, path: string, out: PropertyChange[], opts: InputDiffOptions): void {
  if (isSecretEnvelope(old) || isSecretEnvelope(now)) {
    const identity = (v: unknown, side: "old" | "new") =>
      isSecretEnvelope(v)
        ? `secret:${opts.secretIdentity?.(v.value, side) ?? JSON.stringify(v.value)}`
        : JSON.stringify(v);
    if (identity(old, "old") !== identity(now, "new")) out.push(change(path, old, now));
    return;
  }
  const oldAsset = assetLabel(old);
  const newAsset = assetLabel(now);
  if (oldAsset || newAsset) {
    if (JSON.stringify(old) !== JSON.stringify(now)) out.push(change(path, old, now));
    return;
  }
  if (isPlainObject(old) && isPlainObject(now)) {
    const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].sort();
    for (const key of keys) if (key !== "__defaults") walk(old[key], now[key], child(path, key), out, opts);
    return;
  }
  if (Array.isArray(old) && Array.isArray(now)) {
    for (let i = 0; i < Math.max(old.length, now.length); i++)
      walk(old[i], now[i], `${path}[${i}]`, out, opts);
    return;
  }
  if (old === now) return;
  if (old !== undefined && now !== undefined && JSON.stringify(old) === JSON.stringify(now)) return;
  out.push(change(path, old, now));
}

/**
 * Every input that differs, by property path, leaves first: a changed threshold is one entry
 * `conditions[0].conditionThreshold.thresholdValue`, not the whole condition. Pulumi's own
 * bookkeeping key `__defaults` (which inputs the provider defaulted) is left out at every level.
 */
export function diffInputs(
  old: Record<string, unknown>,
  now: Record<string, unknown>,
  opts: InputDiffOptions = {},
): PropertyChange[] {
  const out: PropertyChange[] = [];
  walk(old, now, "", out, opts);
  return out;
}
