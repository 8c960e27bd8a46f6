import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

/** The import graph under .dependency-cruiser.cjs's rules: no loops, no CLI → sandbox, no core → doors. */
describe("the import graph", () => {
  it("has no loop between files and no import against the layers", async () => {
    const config = createRequire(import.meta.url)(join(root, ".dependency-cruiser.cjs"));
    const previous = process.cwd();
    process.chdir(root);
    let result: ICruiseResult;
    try {
      result = (
        await cruise(["actions", "cli", "infra", "sandbox", "policies", "bin"], {
          ...config.options,
          validate: true,
          ruleSet: { forbidden: config.forbidden },
        })
      ).output as ICruiseResult;
    } finally {
      process.chdir(previous);
    }
    const violations = result.summary.violations.map(
      (v) =>
        `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(" → ")})` : ""}`,
    );
    expect(violations).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(250);
  }, 60_000);

  it("leaves the emulators out of the CLI's build", async () => {
    const { buildCli } = await import("../../scripts/build-cli.mjs");
    const out = mkdtempSync(join(tmpdir(), "garde-cli-build-"));
    try {
      const sources = (await buildCli(out)) as string[];
      expect(sources).toContain("cli/garde.ts");
      expect(sources.filter((s) => s.startsWith("sandbox/"))).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
