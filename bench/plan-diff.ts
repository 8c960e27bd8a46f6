/**
 * `garde plan --diff BASE` against a plain `garde plan` of the head alone, in the same run, on
 * the reference stacks (garde's own repository: the base evaluated with its own program) and on
 * 50 apps × 3 environments (a product repository with ten prod stacks retuned). Goal ≤ 2.2×:
 * the base and the head, little more.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { scratchRepo } from "../sandbox/scratch-repo.ts";
import { generate } from "./plan.ts";

const root = resolve(import.meta.dirname, "..");
const bin = join(root, "bin/garde.js");
const run = promisify(execFile);
const RUNS = 5;

async function timed(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  try {
    await run(process.execPath, [bin, ...args], { cwd, maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    // Exit 1 (a mandatory violation) still printed the whole diff; anything else is a failure.
    if ((err as { code?: number }).code !== 1) throw err;
  }
  return performance.now() - started;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

/** A product repository of 150 generated stacks on main, with ten prod thresholds raised on a branch. */
function productRepo(): string {
  const { dir: repo } = scratchRepo("garde-diff-bench-", (dir) => {
    mkdirSync(join(dir, "stacks"));
    generate(join(dir, "stacks"));
  });
  const stacks = join(repo, "stacks");
  for (let i = 0; i < 10; i++) {
    const file = join(stacks, `app${String(i).padStart(2, "0")}-prod.yaml`);
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        "    uptimePeriodSeconds: 60\n",
        "    uptimePeriodSeconds: 60\n    thresholds: { latency-p95: 3000 }\n",
      ),
    );
  }
  return repo;
}

async function compare(label: string, plain: string[], diff: string[], cwd: string) {
  const plainTimes: number[] = [];
  const diffTimes: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await timed(plain, cwd);
    const d = await timed(diff, cwd);
    plainTimes.push(p);
    diffTimes.push(d);
    ratios.push(d / p);
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`${label}`);
  console.log(`  garde ${plain.join(" ")}: median ${s(median(plainTimes))}`);
  console.log(`  garde ${diff.join(" ")}: median ${s(median(diffTimes))}`);
  console.log(
    `  ratio: median ${median(ratios).toFixed(2)}× (runs ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×, ${RUNS} pairs; goal ≤ 2.2×)`,
  );
}

export async function benchPlanDiff(): Promise<void> {
  const repo = productRepo();
  try {
    console.log(
      `load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    await compare(
      "reference stacks (garde's repository, base with its own program)",
      ["plan", "--all", "--json"],
      ["plan", "--all", "--json", "--diff", "HEAD"],
      root,
    );
    await compare(
      "50 apps × 3 environments (product repository, 10 stacks changed)",
      ["plan", "--dir", "stacks", "--json"],
      ["plan", "--dir", "stacks", "--json", "--diff", "main"],
      repo,
    );
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
