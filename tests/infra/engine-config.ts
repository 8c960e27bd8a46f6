import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

const root = resolve(import.meta.dirname, "../..");

/**
 * What the engine hands a program for a stack: every key of Pulumi.STACK.yaml as a string,
 * secure values decrypted (here, a stand-in), set as the program's config.
 */
export function setStackConfig(stack: string): void {
  const config = (
    parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }
  ).config;
  const all: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (value && typeof value === "object" && "secure" in value) {
      all[key] = `test value for ${key}`;
      secretKeys.push(key);
    } else all[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  pulumi.runtime.setAllConfig(all, secretKeys);
}
