/**
 * `garde plan` wall time: the reference stacks (--all) and a generated 50 apps × 3 environments
 * (--dir), beside the time node takes to load @pulumi/pulumi alone, in the same run (goal ≤ 5 s).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const root = resolve(import.meta.dirname, "..");
const run = promisify(execFile);

async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  return performance.now() - started;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

/** 50 apps × dev/staging/prod, each a copy of the reference stack with its own names. */
export function generate(dir: string): void {
  for (const env of ["dev", "staging", "prod"]) {
    const template = readFileSync(join(root, `Pulumi.${env}.yaml`), "utf8");
    for (let i = 0; i < 50; i++) {
      const app = `app${String(i).padStart(2, "0")}`;
      writeFileSync(join(dir, `${app}-${env}.yaml`), template.replaceAll("shop", app));
    }
  }
}

export async function benchPlan(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "garde-plan-bench-"));
  try {
    generate(dir);
    const bin = join(root, "bin/garde.js");
    const load: number[] = [];
    const reference: number[] = [];
    const generated: number[] = [];
    for (let i = 0; i < 3; i++) {
      load.push(await timed(["-e", 'require("@pulumi/pulumi")']));
      reference.push(await timed([bin, "plan", "--all"]));
      generated.push(await timed([bin, "plan", "--dir", dir, "--json"]));
    }
    const l = median(load);
    console.log(`load @pulumi/pulumi alone:              ${(l / 1000).toFixed(2)} s`);
    console.log(
      `garde plan --all (3 reference stacks):  ${(median(reference) / 1000).toFixed(2)} s (${(median(reference) / l).toFixed(1)}× the load)`,
    );
    console.log(
      `garde plan, 50 apps × 3 environments:   ${(median(generated) / 1000).toFixed(2)} s (${(median(generated) / l).toFixed(1)}× the load; goals ≤ 5 s and ≤ 4× the load)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
