/**
 * npm run mutate: breaks each rule listed in mutants/*.yml on purpose and checks that the tests
 * named for it fail. A mutant is a literal edit (find → replace, `find` occurring exactly once in
 * its file), so the list reads as "this line matters, and this test says so".
 *
 *   npm run mutate                  every mutant
 *   npm run mutate -- watch-more-than-rate rollback-production-target   only those ids
 *   npm run mutate -- --list        the mutants and their tests, without running anything
 *
 * Exit 0 when every mutant is killed; 1 when one survives (its tests still pass) or no longer
 * applies (its `find` moved: update the list); 2 on a malformed list. The tests are first run on
 * the unmutated tree: a test that already fails would "kill" anything.
 *
 * A run killed midway (Ctrl-C, SIGKILL) leaves the original beside the mutated file as
 * FILE.mutate-original; the next run puts every such file back before anything else.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import * as z from "zod";
import { readYaml } from "../actions/lib/yaml-text.ts";
import { mutatedOriginals, ORIGINAL_SUFFIX } from "./mutation-guard.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const LIST_DIR = join(ROOT, "mutants");
const ORIGINAL = ORIGINAL_SUFFIX;

const mutantSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, { error: "must be kebab-case" }),
    file: z.string().min(1),
    find: z.string().min(1),
    replace: z.string(),
    tests: z.array(z.string().min(1)).min(1),
    why: z.string().min(1),
  })
  .strict();
export type Mutant = z.infer<typeof mutantSchema> & { list: string };

export function loadMutants(): Mutant[] {
  const mutants: Mutant[] = [];
  for (const name of readdirSync(LIST_DIR)
    .filter((n) => n.endsWith(".yml"))
    .sort()) {
    const path = join(LIST_DIR, name);
    const parsed = z.array(mutantSchema).safeParse(readYaml(readFileSync(path, "utf8")));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(2, `mutants/${name}: ${issue?.path.join(".")}: ${issue?.message}`);
    }
    for (const m of parsed.data) {
      for (const test of m.tests)
        if (!existsSync(join(ROOT, test))) fail(2, `mutants/${name}: ${m.id}: no test file ${test}`);
      if (!existsSync(join(ROOT, m.file))) fail(2, `mutants/${name}: ${m.id}: no file ${m.file}`);
      mutants.push({ ...m, list: name });
    }
  }
  const ids = mutants.map((m) => m.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) fail(2, `mutant id ${twice} is listed twice`);
  return mutants;
}

/** Ends the run with a message and an exit code (2: the list is wrong; 1: the tests are). */
class MutateError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

function fail(code: number, message: string): never {
  throw new MutateError(code, message);
}

/** Puts back every file a killed run left mutated. */
function restoreLeftovers(): void {
  for (const path of mutatedOriginals(ROOT)) {
    const target = path.slice(0, -ORIGINAL.length);
    renameSync(path, target);
    process.stdout.write(`restored ${relative(ROOT, target)}, left mutated by a killed run\n`);
  }
}

function vitest(tests: readonly string[]): { passed: boolean; output: string } {
  const run = spawnSync(
    process.execPath,
    [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--bail=1", ...tests],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", CI: "1" },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what it strips
  const output = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
  return { passed: run.status === 0, output };
}

type Verdict = "killed" | "SURVIVED" | "DOES NOT APPLY";

function runMutant(m: Mutant): { verdict: Verdict; seconds: number; detail: string } {
  const path = join(ROOT, m.file);
  const source = readFileSync(path, "utf8");
  const occurrences = source.split(m.find).length - 1;
  if (occurrences !== 1)
    return { verdict: "DOES NOT APPLY", seconds: 0, detail: `find occurs ${occurrences} times in ${m.file}` };
  const started = performance.now();
  // The original goes aside first (a rename is atomic), so a SIGKILL here leaves it to restore.
  writeFileSync(`${path}${ORIGINAL}`, source);
  const restore = () => {
    if (existsSync(`${path}${ORIGINAL}`)) renameSync(`${path}${ORIGINAL}`, path);
  };
  const onSignal = () => {
    restore();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    writeFileSync(path, source.replace(m.find, m.replace));
    const { passed, output } = vitest(m.tests);
    const failedTest = /FAIL\s+(.+)/.exec(output)?.[1]?.trim() ?? "";
    return {
      verdict: passed ? "SURVIVED" : "killed",
      seconds: (performance.now() - started) / 1000,
      detail: passed ? `${m.tests.join(", ")} still pass` : failedTest,
    };
  } finally {
    restore();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function main(): void {
  const args = process.argv.slice(2);
  restoreLeftovers();
  const all = loadMutants();
  const wanted = args.filter((a) => !a.startsWith("--"));
  const unknown = wanted.filter((id) => !all.some((m) => m.id === id));
  if (unknown.length) fail(2, `no mutant ${unknown.join(", ")}; known: ${all.map((m) => m.id).join(", ")}`);
  const mutants = wanted.length ? all.filter((m) => wanted.includes(m.id)) : all;
  if (args.includes("--list")) {
    for (const m of mutants) process.stdout.write(`${m.id}\t${m.file}\t${m.tests.join(" ")}\n\t${m.why}\n`);
    return;
  }
  const tests = [...new Set(mutants.flatMap((m) => m.tests))];
  process.stdout.write(`Baseline: ${tests.length} test files on the unmutated tree… `);
  const baseline = vitest(tests);
  if (!baseline.passed) {
    process.stdout.write("FAILED\n");
    fail(1, `the tests fail without any mutant; fix them first:\n${baseline.output.slice(-3000)}`);
  }
  process.stdout.write("pass\n");
  const results: { m: Mutant; verdict: Verdict; seconds: number; detail: string }[] = [];
  for (const m of mutants) {
    const r = runMutant(m);
    results.push({ m, ...r });
    process.stdout.write(
      `${r.verdict === "killed" ? "✓" : "✗"} ${m.id} (${m.file}): ${r.verdict} in ${r.seconds.toFixed(1)} s${r.detail ? ` — ${r.detail}` : ""}\n`,
    );
  }
  const bad = results.filter((r) => r.verdict !== "killed");
  process.stdout.write(`\n${results.length - bad.length} of ${results.length} mutants killed\n`);
  if (bad.length) {
    for (const r of bad) process.stdout.write(`  ${r.verdict}: ${r.m.id} — ${r.m.why}\n`);
    process.exit(1);
  }
}

// Imported by the tests for its list; run as a script otherwise.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    main();
  } catch (err) {
    if (!(err instanceof MutateError)) throw err;
    process.stderr.write(`mutate: ${err.message}\n`);
    process.exit(err.code);
  }
}
