import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAction } from "../../processes.ts";

const ENTRY = resolve(import.meta.dirname, "../../../actions/route/dist/index.js");
const work = mkdtempSync(join(tmpdir(), "garde-route-action-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const route = (env: Record<string, string>, payload: object = {}, inputs: Record<string, string> = {}) =>
  runAction(ENTRY, work, inputs, { GITHUB_REPOSITORY: "acme/shop", ...env }, payload);

describe("the route action (where a run deploys, before a job deploys it)", () => {
  it("routes main to production, develop to staging, a pull request to preview", async () => {
    const main = await route({ GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/main" });
    expect(main.code, main.stdout).toBe(0);
    expect(main.outputs).toMatchObject({ environment: "production", branch: "main", version: "" });
    const develop = await route({ GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/develop" });
    expect(develop.outputs.environment).toBe("staging");
    const pr = await route({
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_REF: "refs/pull/7/merge",
      GITHUB_HEAD_REF: "feature/signup",
    });
    expect(pr.outputs.environment).toBe("preview");
  });

  it("routes a dispatched hotfix to production with its version and the branch to merge back into", async () => {
    const r = await route(
      { GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_REF: "refs/heads/hotfix/1.2.4" },
      { inputs: { version: "1.2.4", reason: "payments down" } },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({
      environment: "production",
      version: "1.2.4",
      "back-merge-into": "develop",
    });
  });

  it("refuses a ref no rule matches with exit 2", async () => {
    const r = await route({ GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/tags/v1.0.0" });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/::error::/);
  });
});
