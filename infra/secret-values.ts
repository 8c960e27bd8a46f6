import { isSecretEnvelope, SIG_KEY } from "../actions/lib/review/pulumi-values.ts";

/** Pulumi's signature key on special values in serialized inputs (secrets, assets, archives). */
export const SECRET_SIG = SIG_KEY;

/** The inputs with each secret envelope replaced by what `replace` makes of its value. */
function mapSecrets(value: unknown, replace: (secret: unknown) => unknown): unknown {
  if (isSecretEnvelope(value)) return replace(value.value);
  if (Array.isArray(value)) return value.map((v) => mapSecrets(v, replace));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapSecrets(v, replace)]));
  return value;
}

/** The inputs with every secret replaced by "[secret]": a plan shows that a value is set, never it. */
export const redactSecrets = (value: unknown) => mapSecrets(value, () => "[secret]");

/** Inputs as the engine hands them to a policy: secrets unwrapped to their plain value. */
export const unwrapSecrets = (value: unknown): unknown => mapSecrets(value, unwrapSecrets);
