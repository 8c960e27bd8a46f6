import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(import.meta.dirname, "../..");
const runner = join(import.meta.dirname, "fixtures/run-as-pulumi.mjs");

interface Project {
  main: string;
  runtime: { options?: { typescript?: boolean; nodeargs?: string } };
}
const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as Project;

/** Runs the program as Pulumi's Node.js language host would: node NODEARGS …/cmd/run MAIN. */
async function runAsPulumi(options: { typescript?: boolean; nodeargs?: string }, stack = "prod") {
  const args = [
    ...(options.nodeargs ?? "").split(/\s+/).filter(Boolean),
    runner,
    root,
    join(root, `Pulumi.${stack}.yaml`),
    project.main,
  ];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, PULUMI_NODEJS_TYPESCRIPT: String(options.typescript ?? true) },
    });
    return { code: 0, result: JSON.parse(stdout.trim().split("\n").pop() as string) };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, result: JSON.parse(e.stdout.trim().split("\n")[0] || "{}") };
  }
}

describe("the program loads the way Pulumi loads it", () => {
  it.each(["dev", "staging", "prod"])(
    "%s: Pulumi.yaml's main, nodeargs and typescript setting run infra/index.ts under mocks",
    async (stack) => {
      const { code, result } = await runAsPulumi(project.runtime.options ?? {}, stack);
      expect(result.error).toBeUndefined();
      expect(code).toBe(0);
      expect(result.outputs).toEqual(
        expect.arrayContaining(["environment", "alerts", "schedules", "secretsRotated"]),
      );
      expect(result.types).toContain("gcp:storage/bucket:Bucket");
    },
  );

  // Node 22.18+ and 24 strip TypeScript types themselves; Node 20 needs the loader Pulumi.yaml names.
  const nodeStripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
  it(
    nodeStripsTypes
      ? "loads without the loader too, on a Node that strips types itself"
      : "fails as Pulumi's own loader did before: ESM TypeScript without a loader",
    async () => {
      const { code, result } = await runAsPulumi({ typescript: false });
      if (nodeStripsTypes) {
        expect(code).toBe(0);
        expect(result.types).toContain("garde:index:Environment");
      } else {
        expect(code).toBe(1);
        expect(result.error).toMatch(/Unknown file extension "\.ts"/);
      }
    },
  );
});
