// Whether cli/dist holds a build of the CLI's sources as they are now. scripts/build-cli.mjs writes
// the build and, beside it, inputs.json: every source file it compiled (this repository's, not
// node_modules', which the build leaves to run from there), with its size and modification time.
// Plain JavaScript: bin/garde.js reads it before anything can compile TypeScript.
import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const COMPILED_CLI = join(ROOT, "cli/dist");
export const MANIFEST = "inputs.json";

/** What inputs.json records of a source: its size and mtime, both unchanged unless the file is. */
export const stamp = (path) => {
  const { size, mtimeMs } = statSync(join(ROOT, path));
  return [path, size, mtimeMs];
};

/** inputs.json's text for a build of these sources (paths relative to the repository). */
export const manifestOf = (sources) => `${JSON.stringify({ inputs: sources.map(stamp) })}\n`;

/**
 * The compiled entry's path when every source it was built from is as it was then; undefined when
 * there is no build or any source changed (or went) since, so an edit is never shadowed by an
 * older build.
 */
export function freshCompiledCli(dir = COMPILED_CLI) {
  let inputs;
  try {
    ({ inputs } = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")));
  } catch {
    return undefined;
  }
  for (const [path, size, mtimeMs] of inputs) {
    let now;
    try {
      now = stamp(path);
    } catch {
      return undefined;
    }
    if (now[1] !== size || now[2] !== mtimeMs) return undefined;
  }
  return join(dir, "garde.js");
}

/**
 * Runs the CLI: compiled when the build in `dir` is fresh, else from its TypeScript sources
 * through tsx (its loader is registered only then).
 */
export async function runGarde(dir = COMPILED_CLI) {
  const compiled = freshCompiledCli(dir);
  let cli;
  if (compiled) {
    cli = await import(pathToFileURL(compiled).href);
  } else {
    const { register } = await import("tsx/esm/api");
    register();
    cli = await import("../cli/garde.ts");
  }
  await cli.runProcess();
}
