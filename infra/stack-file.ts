import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { readYaml } from "../actions/lib/yaml-text.ts";
import { StackConfigError } from "./config.ts";

/** One stack's config as a Pulumi.<stack>.yaml (or an example) holds it. */
export interface StackFile {
  stack: string;
  source: string;
  /** The `garde:*` values, keys without the namespace. */
  values: Record<string, unknown>;
  /** Names of the `garde-secrets:*` keys; each must be `secure:`. */
  secretNames: string[];
}

/** The stack a file holds by its name: Pulumi.prod.yaml → prod, examples/lms.yaml → lms. */
export const stackNameOf = (path: string) =>
  basename(path)
    .replace(/^Pulumi\./, "")
    .replace(/\.ya?ml$/, "");

export function readStackFile(path: string, stack = stackNameOf(path)): StackFile {
  let document: unknown;
  try {
    document = readYaml(readFileSync(path, "utf8"));
  } catch (err) {
    throw new StackConfigError(
      `Cannot read stack ${stack} from ${path}: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  const config = (document as { config?: Record<string, unknown> } | null)?.config ?? {};
  const values: Record<string, unknown> = {};
  const secretNames: string[] = [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const [namespace, name = ""] = key.split(":");
    if (namespace === "garde") values[name] = value;
    else if (namespace === "garde-secrets") {
      // A secret in clear text in a committed file is the mistake this refuses.
      if (typeof value !== "object" || value === null || !("secure" in value)) {
        problems.push(
          `- ${key}: holds a plain value; store it encrypted: pulumi config set --secret ${key} --stack ${stack}`,
        );
      } else secretNames.push(name);
    }
  }
  if (problems.length)
    throw new StackConfigError(`Stack ${stack} (${path}) has secrets in plain text:\n${problems.join("\n")}`);
  return { stack, source: path, values, secretNames };
}

/**
 * A short digest of each `garde-secrets:*` ciphertext in a stack file: re-encrypting a new value
 * changes it, and it says nothing about the value. garde plan --diff compares secrets by it.
 * Lenient on purpose: a base revision's file may predate today's rules.
 */
export function secretDigestsOf(path: string): Record<string, string> {
  let config: Record<string, unknown> = {};
  try {
    config =
      (readYaml(readFileSync(path, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  } catch {
    return {};
  }
  const digests: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const [namespace, name] = key.split(":");
    if (namespace !== "garde-secrets" || !name) continue;
    const secure = (value as { secure?: unknown } | null)?.secure;
    digests[name] = createHash("sha256")
      .update(typeof secure === "string" ? secure : JSON.stringify(value))
      .digest("hex")
      .slice(0, 16);
  }
  return digests;
}
