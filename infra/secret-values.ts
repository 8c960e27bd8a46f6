import { isSecretEnvelope, SIG_KEY } from "../actions/lib/review/pulumi-values.ts";

/** Pulumi's signature key on special values in serialized inputs (secrets, assets, archives). */
export const SECRET_SIG = SIG_KEY;

/**
 * The inputs with each secret envelope replaced by what `replace` makes of its value. What holds
 * no secret is returned as is, not copied: a plan maps every resource's inputs twice, and the
 * copies were most of its garbage. Neither the plan nor the policies write to inputs.
 */
function mapSecrets(value: unknown, replace: (secret: unknown) => unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (isSecretEnvelope(value)) return replace(value.value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const mapped = mapSecrets(value[i], replace);
      if (mapped === value[i]) continue;
      copy ??= [...value];
      copy[i] = mapped;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, v] of Object.entries(value)) {
    const mapped = mapSecrets(v, replace);
    if (mapped === v) continue;
    copy ??= { ...value };
    copy[key] = mapped;
  }
  return copy ?? value;
}

/** The inputs with every secret replaced by "[secret]": a plan shows that a value is set, never it. */
export const redactSecrets = (value: unknown) => mapSecrets(value, () => "[secret]");

/** Inputs as the engine hands them to a policy: secrets unwrapped to their plain value. */
export const unwrapSecrets = (value: unknown): unknown => mapSecrets(value, unwrapSecrets);
