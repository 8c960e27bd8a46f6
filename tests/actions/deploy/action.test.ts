import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../../sandbox/sandbox.ts";
import { type ActionResult, runAction, visible } from "../../processes.ts";

const ENTRY = resolve(import.meta.dirname, "../../../actions/deploy/dist/index.js");
const VERCEL_CANARY = "CANARY-vercel-9d3f0c5e7a1b";
const GITHUB_CANARY = "ghs_CANARYgithub4a6b8c0d2e";

let sandbox: Sandbox;
let work: string;
beforeAll(async () => {
  sandbox = await startSandbox({
    buildMs: 60,
    promoteMs: 30,
    vercelToken: VERCEL_CANARY,
    githubToken: GITHUB_CANARY,
  });
  work = mkdtempSync(join(tmpdir(), "garde-action-test-"));
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Runs the bundled action with the runner's GITHUB_* context variables. */
function runDeployAction(
  inputs: Record<string, string>,
  context: { event: string; ref: string; sha: string; headRef?: string; payload?: object },
): Promise<ActionResult> {
  return runAction(
    ENTRY,
    work,
    inputs,
    {
      GITHUB_ACTIONS: "true",
      GITHUB_EVENT_NAME: context.event,
      GITHUB_REF: context.ref,
      GITHUB_SHA: context.sha,
      GITHUB_HEAD_REF: context.headRef ?? "",
      GITHUB_REPOSITORY: sandbox.repository,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_RUN_ID: "4242",
    },
    context.payload ?? {},
  );
}

describe("node actions/deploy/dist/index.js", () => {
  it("deploys develop to staging against the emulators and writes its outputs to GITHUB_OUTPUT", async () => {
    const sha = sandbox.app.git("rev-parse", "develop");
    const r = await runDeployAction(sandbox.inputs({ "staging-alias": "staging.example.com" }), {
      event: "push",
      ref: "refs/heads/develop",
      sha,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.outputs.environment).toBe("staging");
    expect(r.outputs["deployment-id"]).toMatch(/^dpl_/);
    expect(r.outputs["environment-url"]).toBe("https://staging.example.com");
    expect(r.outputs["previous-deployment-id"]).toBe("");
    expect((await fetch(r.outputs.url ?? "")).status).toBe(200);
    expect(r.summary).toContain("garde deploy → staging");
    expect(r.summary).toContain(r.outputs["deployment-id"]);
    const record = sandbox.github.deployments.find((d) => d.sha === sha);
    expect(record?.environment).toBe("staging");
    expect(sandbox.github.statuses.get(record?.id ?? 0)?.at(-1)?.log_url).toBe(
      `https://github.com/${sandbox.repository}/actions/runs/4242`,
    );
  });

  it("still gives the failed build's id and URL as outputs, and in the summary, when the build fails", async () => {
    const sha = sandbox.app.git("rev-parse", "develop");
    sandbox.vercel.failNextBuild({ kind: "error", message: "Build exited with 1" });
    const r = await runDeployAction(sandbox.inputs({ "staging-alias": "staging.example.com" }), {
      event: "push",
      ref: "refs/heads/develop",
      sha,
    });
    expect(r.code).toBe(1);
    expect(r.outputs["deployment-id"]).toMatch(/^dpl_/);
    expect(sandbox.vercel.deployments.get(r.outputs["deployment-id"] ?? "")?.readyState).toBe("ERROR");
    expect(r.outputs.url).toMatch(/^https?:\/\//);
    expect(r.outputs.environment).toBe("staging");
    expect(r.summary).toContain(r.outputs["deployment-id"]);
    expect(r.summary).toMatch(/failed: Deployment dpl_\w+ on vercel ended in ERROR/);
  });

  it("deploys a dispatched hotfix to production with its version and back-merge branch", async () => {
    const sha = sandbox.app.commit("hotfix/1.0.1", { "public/index.html": "<h1>fixed</h1>" }, "fix", "main");
    const r = await runDeployAction(sandbox.inputs(), {
      event: "workflow_dispatch",
      ref: "refs/heads/hotfix/1.0.1",
      sha,
      payload: { inputs: { reason: "checkout 500s" } },
    });
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({
      environment: "production",
      version: "1.0.1",
      "back-merge-into": "develop",
    });
    expect([...sandbox.vercel.projects.values()][0]?.productionDeploymentId).toBe(r.outputs["deployment-id"]);
    expect(r.summary).toContain("checkout 500s");
    // The hotfix is opened back into develop, once, even when the run is repeated.
    expect(sandbox.github.pulls.map((p) => [p.head.ref, p.base.ref, p.title])).toEqual([
      ["hotfix/1.0.1", "develop", "Back-merge hotfix 1.0.1 into develop"],
    ]);
    expect(r.summary).toContain("Back-merge pull request");
    const again = await runDeployAction(sandbox.inputs(), {
      event: "workflow_dispatch",
      ref: "refs/heads/hotfix/1.0.1",
      sha,
      payload: { inputs: { reason: "checkout 500s" } },
    });
    expect(again.code).toBe(0);
    expect(sandbox.github.pulls).toHaveLength(1);
  });

  it("opens no back-merge when develop already has every commit of the hotfix (GitHub would refuse it)", async () => {
    // A fix made on develop first (production, on hotfix 1.0.1, does not have it yet).
    sandbox.app.commit("develop", { "public/flag.txt": "off" }, "config flag");
    sandbox.app.git("branch", "hotfix/1.0.2", "develop");
    const sha = sandbox.app.git("rev-parse", "hotfix/1.0.2");
    const before = sandbox.github.pulls.length;
    const r = await runDeployAction(sandbox.inputs(), {
      event: "workflow_dispatch",
      ref: "refs/heads/hotfix/1.0.2",
      sha,
      payload: { inputs: { reason: "config flag" } },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("develop already has every commit of hotfix/1.0.2: no back-merge needed");
    expect(sandbox.github.pulls).toHaveLength(before);
  });

  it("never prints the tokens: masked for the runner, absent from logs, outputs and summary", async () => {
    const sha = sandbox.app.git("rev-parse", "main");
    const ok = await runDeployAction(sandbox.inputs(), { event: "push", ref: "refs/heads/main", sha });
    const denied = await runDeployAction(sandbox.inputs({ "vercel-token": `${VERCEL_CANARY}-revoked` }), {
      event: "push",
      ref: "refs/heads/develop",
      sha,
    });
    const badInput = await runDeployAction(sandbox.inputs({ "vercel-api-url": "not a url" }), {
      event: "push",
      ref: "refs/heads/develop",
      sha,
    });
    expect(ok.code).toBe(0);
    // A refused token is configuration, not a failed check: exit 2, as for any bad input.
    expect(denied.code, denied.stdout).toBe(2);
    expect(denied.stdout).toMatch(/HTTP 403 forbidden/);
    expect(badInput.code).toBe(2);
    for (const r of [ok, denied, badInput]) {
      expect(r.stdout).toContain(`::add-mask::${GITHUB_CANARY}`);
      expect(visible(r)).not.toContain("CANARY");
    }
  });

  describe("refuses bad input with exit 2 and a message naming the input", () => {
    const sha = "c".repeat(40);
    const cases: [string, Record<string, string>, { event: string; ref: string }, RegExp][] = [
      [
        "an unknown environment",
        { environment: "qa" },
        { event: "push", ref: "refs/heads/develop" },
        /environment: must be one of preview, staging, production/,
      ],
      ["a malformed ref", {}, { event: "push", ref: "refs/heads/release/1.x" }, /release\/X\.Y\.Z/],
      [
        "a missing Vercel token",
        { "vercel-token": "" },
        { event: "push", ref: "refs/heads/develop" },
        /vercel-token: is required/,
      ],
      [
        "a base URL that is not a URL",
        { "github-api-url": "api.github.com" },
        { event: "push", ref: "refs/heads/develop" },
        /github-api-url: must be an http\(s\) URL/,
      ],
      [
        "a non-numeric timeout",
        { "ready-timeout": "ten" },
        { event: "push", ref: "refs/heads/develop" },
        /ready-timeout: must be a whole number/,
      ],
    ];
    it.each(cases)("%s", async (_name, override, context, message) => {
      const before = sandbox.vercel.router.requests.length + sandbox.github.router.requests.length;
      const r = await runDeployAction({ ...sandbox.inputs(), ...override }, { ...context, sha });
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/^::error::/m);
      expect(r.stdout).toMatch(message);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      expect(sandbox.vercel.router.requests.length + sandbox.github.router.requests.length).toBe(before);
    });
  });
});
