import { dump, loadAll, YAMLException } from "js-yaml";
import { InputError } from "./errors.ts";

/**
 * YAML as garde reads and writes it: smoke, rotation and drill configs, garde.yml, kubeconfigs,
 * Pulumi stack files. js-yaml rather than the `yaml` package: it loads in a third of the time
 * (9 ms of the deploy action's 40 ms start-up before its first request went to `yaml`) and parses
 * eight times faster (a plan of 150 stack files). Both read YAML 1.2's core schema, as Pulumi and
 * kubectl do: `yes` and dates stay strings.
 */

/** Broken YAML: where (1-based, as editors count) and what is wrong. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${reason} (line ${line}, column ${column})`);
    this.name = "YamlSyntaxError";
  }
}

/** The single document a YAML text holds, null when it holds none (empty or only comments). */
export function readYaml(text: string): unknown {
  let documents: unknown[];
  try {
    documents = loadAll(text);
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    throw new YamlSyntaxError((err.mark?.line ?? 0) + 1, (err.mark?.column ?? 0) + 1, err.reason);
  }
  if (documents.length > 1) {
    throw new YamlSyntaxError(1, 1, `holds ${documents.length} documents (separated by ---); expected one`);
  }
  return documents[0] ?? null;
}

/** An input file's YAML, refused (exit 2, naming the input) with where it breaks when it is broken. */
export function readYamlInput(text: string, input: string, source: string): unknown {
  try {
    return readYaml(text);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    throw new InputError(input, `${source}:${err.line}:${err.column} is not valid YAML: ${err.reason}`);
  }
}

/** A value as YAML text, keys in their order, long strings unwrapped. */
export const writeYaml = (value: unknown): string => dump(value, { lineWidth: -1 });
