import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubDeployments } from "../../actions/lib/deploy/github-deployments.ts";
import { systemClock } from "../../actions/lib/reporter.ts";
import { defaultRetryPolicy } from "../../actions/lib/retry.ts";
import { type Sandbox, startSandbox } from "../../sandbox/sandbox.ts";
import { execNode } from "../processes.ts";

const BIN = resolve(import.meta.dirname, "../../bin/garde.js");

const garde = (args: string[], env: Record<string, string> = {}) => execNode([BIN, ...args], env);

describe("garde route", () => {
  it("prints the plan as JSON with the contract's keys", async () => {
    const r = await garde(["route", "--event", "push", "--ref", "refs/heads/release/2.0.0"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      environment: "staging",
      staged: false,
      version: "2.0.0",
      backMergeInto: null,
    });
  });

  it("reads a pull request's head branch from --head-ref and dispatch inputs from --input", async () => {
    const pr = await garde([
      "route",
      "--event",
      "pull_request",
      "--ref",
      "refs/pull/7/merge",
      "--head-ref",
      "feature/x",
    ]);
    expect(JSON.parse(pr.stdout)).toMatchObject({ environment: "preview", staged: false });
    const hotfix = await garde([
      "route",
      "--event",
      "workflow_dispatch",
      "--ref",
      "refs/heads/main",
      "--input",
      "version=1.2.3",
      "--input",
      "reason=payments down",
    ]);
    expect(JSON.parse(hotfix.stdout)).toMatchObject({
      environment: "production",
      staged: true,
      version: "1.2.3",
      backMergeInto: "develop",
      reason: "payments down",
    });
  });

  it("refuses a ref no rule matches with exit 2 and the list of rules", async () => {
    const r = await garde(["route", "--event", "push", "--ref", "refs/heads/wip"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('No rule deploys a push to "wip"');
    expect(r.stderr).toContain("push to main → production");
  });

  it.each([
    [
      ["route", "--evnt", "push", "--ref", "refs/heads/main"],
      /has no option --evnt\. Did you mean --event\?/,
    ],
    [
      ["route", "--event", "push", "--ref", "refs/heads/main", "--input", "novalue"],
      /--input takes key=value/,
    ],
    [
      ["route", "--event", "push", "--ref", "refs/heads/main", "--bogus"],
      /garde route has no option --bogus\. Run garde help route/,
    ],
    [["launch"], /Unknown command "launch"/],
    [["deplyo"], /Unknown command "deplyo"\. Did you mean garde deploy\?/],
  ])("exits 2 on bad usage: %j", async (args, message) => {
    const r = await garde(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("garde in a pipeline and garde plan", () => {
  it("ends quietly when the reader closes the pipe early: plan --all --json | head -1", async () => {
    const r = await execNode([
      "-e",
      `
      const { spawnSync } = require("node:child_process");
      const r = spawnSync("bash", ["-c", 'node ${BIN} plan --all --json | head -1; echo "exit \${PIPESTATUS[0]}" >&2'], { encoding: "utf8" });
      process.stdout.write(r.stdout); process.stderr.write(r.stderr);
    `,
    ]);
    expect(r.stdout).toBe("[\n");
    expect(r.stderr).toMatch(/exit 0/);
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  it("plans the project's stacks and its examples with --all", async () => {
    const r = await garde(["plan", "--all", "--json"]);
    expect(r.code).toBe(0);
    const stacks = (JSON.parse(r.stdout) as { stack: string }[]).map((p) => p.stack);
    expect(stacks).toEqual(expect.arrayContaining(["dev", "staging", "prod"]));
    expect(stacks.length).toBe(
      3 +
        readdirSync(resolve(import.meta.dirname, "../../examples")).filter((f) => f.endsWith(".yaml")).length,
    );
  });
});

describe("garde deploy", () => {
  const CANARY = "CANARY-cli-vercel-token-77";
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ buildMs: 60, promoteMs: 30, vercelToken: CANARY });
  });
  afterAll(() => sandbox.stop());

  const flags = () => [
    "--vercel-project",
    sandbox.project,
    "--vercel-api-url",
    sandbox.vercel.url,
    "--github-api-url",
    sandbox.github.url,
    "--repository",
    sandbox.repository,
    "--poll-interval",
    "0.05",
  ];
  const env = () => ({ VERCEL_TOKEN: CANARY, GITHUB_TOKEN: sandbox.githubToken });

  it("deploys through the same core and prints the result as JSON, without the token", async () => {
    const sha = sandbox.app.git("rev-parse", "main");
    const r = await garde(
      ["deploy", "--event", "push", "--ref", "refs/heads/main", "--sha", sha, "--json", ...flags()],
      env(),
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ environment: "production", promoted: true });
    expect([...sandbox.vercel.projects.values()][0]?.productionDeploymentId).toBe(result.deploymentId);
    expect(r.stdout + r.stderr).not.toContain("CANARY");
  });

  it("--reconcile repairs the record of what production serves, after a run that ended with it pending", async () => {
    const sha = sandbox.app.git("rev-parse", "main");
    const deployed = await garde(
      ["deploy", "--event", "push", "--ref", "refs/heads/main", "--sha", sha, "--json", ...flags()],
      env(),
    );
    const { githubDeploymentId } = JSON.parse(deployed.stdout) as { githubDeploymentId: number };
    // What a run killed (or refused by GitHub) after the promotion leaves: the lease, not success.
    const github = new GitHubDeployments({
      token: sandbox.githubToken,
      apiUrl: sandbox.github.url,
      repository: sandbox.repository,
      clock: systemClock,
      reporter: { info: () => {}, warn: () => {}, debug: () => {} },
      retry: defaultRetryPolicy,
    });
    await github.setStatus(githubDeploymentId, "in_progress", {
      description: "garde lease: dpl_x until 2099-01-01T00:00:00.000Z",
    });
    const r = await garde(["deploy", "--reconcile", "--sha", sha, ...flags()], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^production: dpl_\w+: record repaired/);
    expect((await github.statuses(githubDeploymentId))[0]).toMatchObject({
      state: "success",
      description: expect.stringMatching(/^garde reconciled: production serves dpl_/),
    });
  });

  it("exits 1 when the build fails, and 2 when the token is missing", async () => {
    const sha = sandbox.app.git("rev-parse", "develop");
    sandbox.vercel.failNextBuild({ kind: "error", message: "Build exited with 1" });
    const failed = await garde(
      ["deploy", "--event", "push", "--ref", "refs/heads/develop", "--sha", sha, ...flags()],
      env(),
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/ended in ERROR: Build exited with 1/);
    const noToken = await garde(
      ["deploy", "--event", "push", "--ref", "refs/heads/develop", "--sha", sha, ...flags()],
      {
        GITHUB_TOKEN: "x",
      },
    );
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/VERCEL_TOKEN \(environment variable\): is required/);
    expect(noToken.stderr).not.toMatch(/\$\{\{/);
  });

  it("calls an unknown project, an unknown deployment or a refused token configuration: exit 2 at once", async () => {
    const sha = sandbox.app.git("rev-parse", "develop");
    const base = [
      "--vercel-api-url",
      sandbox.vercel.url,
      "--github-api-url",
      sandbox.github.url,
      "--repository",
      sandbox.repository,
    ];
    const unknownProject = await garde(
      ["deploy", "--ref", "refs/heads/develop", "--sha", sha, "--vercel-project", "nope", ...base],
      env(),
    );
    expect(unknownProject.code).toBe(2);
    expect(unknownProject.stderr).toMatch(/Project nope not found/);
    const refused = await garde(
      ["rollback", "--to", "previous", "--reason", "why", "--vercel-project", sandbox.project, ...base],
      { ...env(), VERCEL_TOKEN: "revoked" },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/HTTP 403/);
    const unknownDeployment = await garde(
      [
        "rollback",
        "--to",
        "dpl_doesnotexist",
        "--reason",
        "why",
        "--vercel-project",
        sandbox.project,
        ...base,
      ],
      env(),
    );
    expect(unknownDeployment.code).toBe(2);
    expect(unknownDeployment.stderr).toMatch(/dpl_doesnotexist is not a READY production deployment/);
    const nonsense = await garde(
      ["rollback", "--to", "nonsense", "--vercel-project", sandbox.project, ...base],
      env(),
    );
    expect(nonsense.code).toBe(2);
    expect(nonsense.stderr).toMatch(/--to: must be previous or a Vercel deployment id/);
  });

  it("still prints the failed build as JSON with --json, so a script can link to it", async () => {
    const sha = sandbox.app.git("rev-parse", "develop");
    sandbox.vercel.failNextBuild({ kind: "error", message: "Build exited with 1" });
    const r = await garde(
      ["deploy", "--event", "push", "--ref", "refs/heads/develop", "--sha", sha, "--json", ...flags()],
      env(),
    );
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({
      ok: false,
      environment: "staging",
      error: expect.stringMatching(/ended in ERROR/),
    });
    expect(result.deploymentId).toMatch(/^dpl_/);
    expect(sandbox.vercel.deployments.has(result.deploymentId)).toBe(true);
  });
});
