/** Pulumi's marker for a secret value in serialized inputs. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The inputs with each secret envelope replaced by what `replace` makes of its value. */
function mapSecrets(value: unknown, replace: (secret: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapSecrets(v, replace));
  if (value && typeof value === "object") {
    if (SECRET_SIG in value) return replace((value as { value?: unknown }).value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapSecrets(v, replace)]));
  }
  return value;
}

/** The inputs with every secret replaced by "[secret]": a plan shows that a value is set, never it. */
export const redactSecrets = (value: unknown) => mapSecrets(value, () => "[secret]");

/** Inputs as the engine hands them to a policy: secrets unwrapped to their plain value. */
export const unwrapSecrets = (value: unknown): unknown => mapSecrets(value, unwrapSecrets);
