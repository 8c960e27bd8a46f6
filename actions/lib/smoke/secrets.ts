import { InputError } from "../errors.ts";
import type { SmokeConfig } from "./config.ts";

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export type EnvLookup = Readonly<Record<string, string | undefined>>;

/**
 * Replaces ${NAME} in header values by the environment variable NAME. Returns the headers and
 * the values substituted, which the door masks and the report redacts. Fails on an unset name.
 */
export function resolveHeaders(
  headers: Readonly<Record<string, string>> | undefined,
  env: EnvLookup,
  where: string,
): { headers: Record<string, string>; secrets: string[] } {
  const out: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, template] of Object.entries(headers ?? {})) {
    out[name] = template.replace(REFERENCE, (_m, variable: string) => {
      const value = env[variable];
      if (value === undefined || value === "") {
        throw new InputError(
          "config",
          `${where}.headers.${name} uses \${${variable}}, which is not set: give it to the step's env: (from a secret)`,
        );
      }
      secrets.push(value);
      return value;
    });
  }
  return { headers: out, secrets };
}

/** Every value a config's header references resolve to: what must be masked before the run. */
export function referencedSecrets(config: SmokeConfig, env: EnvLookup): string[] {
  const values = config.checks.flatMap((c, i) => resolveHeaders(c.headers, env, `checks[${i}]`).secrets);
  if (config.load) values.push(...resolveHeaders(config.load.headers, env, "load").secrets);
  return [...new Set(values)];
}

/** Last line of defence: no secret value survives in text the report carries. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("***");
  return out;
}
