import { parseArgs } from "node:util";
import { InputError } from "../actions/lib/errors.ts";

/**
 * One table per command says which flags it takes; the parser and the help are both built from
 * it, so the usage can never list a flag the parser refuses, nor hide one it accepts.
 */
export interface Flag {
  name: string;
  kind: "string" | "boolean" | "list";
  /** Placeholder shown in the usage: --sha SHA. */
  value?: string;
  description: string;
}

export interface EnvVar {
  name: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** Positional arguments as the usage line shows them: "URL", "SECRET[,SECRET] | due". */
  args?: string;
  summary: string;
  /** Paragraphs printed under the usage line of `garde help CMD`. */
  details?: string[];
  flags: readonly Flag[];
  env?: readonly EnvVar[];
  examples?: readonly string[];
}

export const JSON_FLAG: Flag = {
  name: "json",
  kind: "boolean",
  description: "Print the result as JSON on stdout.",
};
export const HELP_FLAG: Flag = { name: "help", kind: "boolean", description: "Show this help." };

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Levenshtein distance, for "did you mean". Small inputs only: flag and command names. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The closest known name, when one is close enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function flagsOf(spec: CommandSpec): Flag[] {
  return [...spec.flags, HELP_FLAG];
}

/** Parses argv (after the command name) against the command's table; a mistake is an InputError naming the fix. */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const flags = flagsOf(spec);
  const options = Object.fromEntries(
    flags.map((f) => [
      f.name,
      f.kind === "list"
        ? { type: "string" as const, multiple: true }
        : f.name === "help"
          ? { type: "boolean" as const, short: "h" }
          : { type: f.kind },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (err) {
    throw new InputError("arguments", explainParseError(spec, err as Error & { code?: string }));
  }
}

function explainParseError(spec: CommandSpec, err: Error & { code?: string }): string {
  const see = `Run garde help ${spec.name} for its flags.`;
  const unknown = /Unknown option '(-{1,2})([^']*)'/.exec(err.message);
  if (unknown) {
    const given = unknown[2] as string;
    const guess = closest(
      given,
      flagsOf(spec).map((f) => f.name),
    );
    return `garde ${spec.name} has no option ${unknown[1]}${given}.${guess ? ` Did you mean --${guess}?` : ""} ${see}`;
  }
  const missingValue = /Option '(?:-\w, )?--([\w-]+) <value>' argument missing/.exec(err.message);
  if (missingValue) {
    const flag = flagsOf(spec).find((f) => f.name === missingValue[1]);
    return `--${missingValue[1]} needs a value${flag?.value ? `: --${flag.name} ${flag.value}` : ""}. ${see}`;
  }
  const ambiguous = /Option '(?:-\w, )?--([\w-]+)' argument is ambiguous/.exec(err.message);
  if (ambiguous) {
    return `--${ambiguous[1]} is followed by something that looks like a flag; a value starting with "-" is written --${ambiguous[1]}=VALUE. ${see}`;
  }
  const noValue = /Option '--([\w-]+)' does not take an argument/.exec(err.message);
  if (noValue)
    return `--${noValue[1]} is a switch and takes no value (write --${noValue[1]}, not --${noValue[1]}=…). ${see}`;
  return `${err.message}. ${see}`;
}

function flagUsage(f: Flag): string {
  return f.kind === "boolean" ? `--${f.name}` : `--${f.name} ${f.value ?? "VALUE"}`;
}

/** `garde help CMD` and `garde CMD --help`. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`garde ${spec.name}${spec.args ? ` ${spec.args}` : ""} [flags]`, "", spec.summary];
  for (const paragraph of spec.details ?? []) lines.push("", paragraph);
  const flags = flagsOf(spec);
  const width = Math.max(...flags.map((f) => flagUsage(f).length));
  lines.push("", "Flags:");
  for (const f of flags) {
    lines.push(
      `  ${flagUsage(f).padEnd(width)}  ${f.description}${f.kind === "list" ? " (repeatable)" : ""}`,
    );
  }
  if (spec.env?.length) {
    const envWidth = Math.max(...spec.env.map((e) => e.name.length));
    lines.push("", "Environment:");
    for (const e of spec.env) lines.push(`  ${e.name.padEnd(envWidth)}  ${e.description}`);
  }
  if (spec.examples?.length) {
    lines.push("", "Examples:");
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  lines.push("", "Exit codes: 0 done, 1 a check or deployment failed, 2 bad input or configuration.");
  return `${lines.join("\n")}\n`;
}

/** `garde --help`: one line per command. */
export function generalHelp(specs: readonly CommandSpec[], version: string): string {
  const width = Math.max(...specs.map((s) => s.name.length));
  return [
    `garde ${version}: ship web apps safely`,
    "",
    "Usage: garde COMMAND [flags]      garde help COMMAND      garde --version",
    "",
    "Commands:",
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    "",
    "Tokens come from the environment (VERCEL_TOKEN, GITHUB_TOKEN), never from flags, which shell",
    "history keeps. Project settings come from flags, then garde.yml, then .vercel/project.json and",
    "the git remote origin.",
    "",
    "Exit codes: 0 done, 1 a check or deployment failed, 2 bad input or configuration.",
    "",
  ].join("\n");
}
