import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hardeningFindings } from "../../scripts/workflow-hardening.ts";

const root = resolve(import.meta.dirname, "../..");
const fixtures = join(root, "tests/fixtures/workflows");
const workflows = join(root, ".github/workflows");
const lint = (dir: string, file: string) => hardeningFindings(readFileSync(join(dir, file), "utf8"), file);

// Each fixture is good.yml with one door opened; the finding must name it.
const BROKEN: [file: string, finding: RegExp][] = [
  ["unpinned-action.yml", /pin actions\/checkout@v5 to a full commit SHA/],
  ["no-top-level-permissions.yml", /no top-level permissions/],
  ["job-without-permissions.yml", /jobs\.deploy has no permissions/],
  ["input-in-run.yml", /an input or event value is expanded inside run:/],
  ["event-in-run.yml", /an input or event value is expanded inside run:/],
  ["deploy-concurrency-per-ref.yml", /without a concurrency group per environment \(not per ref\)/],
  ["deploy-without-concurrency.yml", /without a concurrency group per environment/],
  ["deploy-cancel-in-progress.yml", /cancel-in-progress would cancel a running deploy halfway/],
  ["production-without-environment.yml", /changes an environment without "environment:"/],
  ["checkout-persists-credentials.yml", /set persist-credentials: false/],
  ["pull-request-target-checkout.yml", /pull_request_target runs with secrets/],
];

describe("the workflow hardening lint", () => {
  it("passes the good fixture", () => {
    expect(lint(fixtures, "good.yml")).toEqual([]);
  });

  it.each(BROKEN)("fails %s, naming what to fix", (file, finding) => {
    const findings = lint(fixtures, file);
    expect(findings.length, file).toBeGreaterThan(0);
    expect(findings.join("\n")).toMatch(finding);
  });

  it("has a fixture for every rule and no stray one", () => {
    const files = readdirSync(fixtures).filter((f) => f.endsWith(".yml"));
    expect(files.sort()).toEqual(["good.yml", ...BROKEN.map(([f]) => f)].sort());
  });

  it.each(readdirSync(workflows).filter((f) => f.endsWith(".yml")))("passes .github/workflows/%s", (file) => {
    expect(lint(workflows, file)).toEqual([]);
  });

  it("pins the composite actions' steps and keeps inputs out of their scripts", () => {
    const composites = join(root, ".github/actions");
    for (const name of readdirSync(composites)) {
      const action = parse(readFileSync(join(composites, name, "action.yml"), "utf8")) as {
        runs: { using: string; steps: { uses?: string; run?: string }[] };
      };
      expect(action.runs.using).toBe("composite");
      for (const step of action.runs.steps) {
        if (step.uses) expect(step.uses, name).toMatch(/@[0-9a-f]{40}$/);
        expect(step.run ?? "", name).not.toMatch(/\$\{\{\s*(inputs|github\.event)\./);
      }
    }
  });
});
