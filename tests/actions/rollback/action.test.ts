import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../../sandbox/sandbox.ts";
import { shipToProduction } from "../../../sandbox/ship.ts";
import { fastClock, fastRetry, recordingReporter } from "../../helpers.ts";
import { execNode, runAction, visible } from "../../processes.ts";

const ENTRY = resolve(import.meta.dirname, "../../../actions/rollback/dist/index.js");
const BIN = resolve(import.meta.dirname, "../../../bin/garde.js");
const VERCEL_CANARY = "CANARY-vercel-rollback-31d7";
const GITHUB_CANARY = "ghs_CANARYrollback8e2f";
const SMOKE =
  "retries: { attempts: 1 }\nchecks:\n  - { name: home, path: / }\n  - { name: status api, path: /api/status, expect: { status: 200 } }\n";

let sandbox: Sandbox;
let work: string;
beforeAll(async () => {
  sandbox = await startSandbox({
    buildMs: 40,
    promoteMs: 20,
    vercelToken: VERCEL_CANARY,
    githubToken: GITHUB_CANARY,
  });
  work = mkdtempSync(join(tmpdir(), "garde-rollback-action-"));
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(work, { recursive: true, force: true });
});

async function release(version: string, files: Record<string, string> = {}) {
  const sha = sandbox.app.commit(
    "main",
    { "public/version.txt": version, ...files },
    `Release ${version}`,
    "main",
  );
  return (
    await shipToProduction(sandbox.inputs({ sha, "smoke-config-inline": "checks: [{ path: / }]" }), {
      reporter: recordingReporter(),
      clock: fastClock(),
      retry: fastRetry,
      env: {},
    })
  ).deploymentId;
}

const exec = (args: string[], env: Record<string, string>) => execNode(args, env);
const runRollbackAction = (inputs: Record<string, string>) =>
  runAction(ENTRY, work, inputs, {
    GITHUB_REPOSITORY: sandbox.repository,
    GITHUB_ACTOR: "release-manager",
    GITHUB_RUN_ID: "77",
    GITHUB_SERVER_URL: "https://github.com",
  });

const inputs = (extra: Record<string, string> = {}) =>
  sandbox.platformInputs({
    "smoke-config-inline": SMOKE,
    "watch-window": "2s",
    "watch-interval": "1s",
    "slack-webhook-url": sandbox.slack.webhookUrl,
    ...extra,
  });

describe("rollback action (dist) and garde rollback", () => {
  it("watches, marks known-good, then rolls a failing release back with a timeline, exit 1, and no secret anywhere", async () => {
    const good = await release("1.0.0");
    const first = await runRollbackAction(inputs());
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({ outcome: "known-good", "rolled-back": "false", from: good });

    const bad = await release("1.1.0", { "routes.json": '{"/api/status":{"status":500,"body":"boom"}}' });
    const r = await runRollbackAction(inputs({ "deployment-id": bad }));
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({
      outcome: "rolled-back",
      "rolled-back": "true",
      from: bad,
      to: good,
      severity: "P1",
    });
    expect(r.stdout).toMatch(
      new RegExp(`::error::Release ${bad} failed its watch and production was rolled back to ${good}`),
    );
    expect(r.summary).toContain("garde rollback: rolled-back");
    expect(r.summary).toMatch(/Timeline[\s\S]*✗ status api: status 500/);
    expect(r.summary).toContain("Notified: Slack");

    // Secrets: masked for the runner, and absent from logs, outputs, summary, Slack and the issue.
    for (const secret of [VERCEL_CANARY, GITHUB_CANARY, sandbox.slack.webhookUrl])
      expect(r.stdout).toContain(`::add-mask::${secret}`);
    const seen = visible(r);
    const sent = [
      JSON.stringify(sandbox.slack.messages),
      JSON.stringify(sandbox.github.issues),
      JSON.stringify([...sandbox.github.comments.values()]),
    ].join("\n");
    for (const text of [seen, sent]) {
      expect(text).not.toContain("CANARY");
      expect(text).not.toContain(new URL(sandbox.slack.webhookUrl).pathname);
    }
    expect(sandbox.slack.messages.at(-1)?.text).toBe(
      `:rotating_light: P1: production rolled back from ${bad} to ${good}`,
    );
  });

  it("rolls back by hand from the CLI to the previous release, exit 0, as P2", async () => {
    const current = [...sandbox.vercel.projects.values()][0]?.productionDeploymentId as string;
    const next = await release("1.2.0");
    const r = await exec(
      [
        BIN,
        "rollback",
        "--to",
        "previous",
        "--reason",
        "wrong prices",
        "--vercel-project",
        sandbox.project,
        "--vercel-api-url",
        sandbox.vercel.url,
        "--github-api-url",
        sandbox.github.url,
        "--repository",
        sandbox.repository,
        "--smoke-config",
        writeConfig(),
      ],
      { VERCEL_TOKEN: VERCEL_CANARY, GITHUB_TOKEN: GITHUB_CANARY },
    );
    expect(r.stderr).not.toContain("CANARY");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Outcome\s+rolled-back/);
    expect(r.stdout).toMatch(new RegExp(`From\\s+${next}`));
    expect(r.stdout).toMatch(new RegExp(`To\\s+${current}`));
    expect(r.stdout).toMatch(/Severity\s+P2/);
    expect([...sandbox.vercel.projects.values()][0]?.productionDeploymentId).toBe(current);
  });

  it("refuses bad input with exit 2 naming it", async () => {
    const r = await runRollbackAction(inputs({ "error-rate": "2", "watch-interval": "soon" }));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/error-rate: must be a share between 0 and 1/);
    expect(r.stdout).toMatch(/watch-interval: "soon" is not a duration/);
  });
});

function writeConfig(): string {
  const file = join(work, "smoke.yml");
  writeFileSync(file, SMOKE);
  return file;
}
