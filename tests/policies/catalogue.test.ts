import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { POLICIES, POLICY_NAMES } from "../../policies/all.ts";

const tests = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => readFileSync(join(import.meta.dirname, f), "utf8"))
  .join("\n");

describe("the pack's catalogue", () => {
  it("names each policy once, never the engine's reserved all", () => {
    expect(new Set(POLICY_NAMES).size).toBe(POLICY_NAMES.length);
    expect(POLICY_NAMES).not.toContain("all");
  });

  it.each(POLICIES.map((p) => [p.name, p] as const))(
    "%s says what it guards, how bad, how to fix, and what to tune",
    (name, p) => {
      expect(p.description.length, name).toBeGreaterThan(20);
      expect(p.severity, name).toBeDefined();
      expect(p.remediationSteps?.length, name).toBeGreaterThan(10);
      expect(p.configSchema?.properties, name).toBeDefined();
      expect(tests, `a describe("${name}") with a passing and a failing case`).toContain(
        `describe("${name}"`,
      );
    },
  );
});
