import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubDeployments } from "../../../../actions/lib/deploy/github-deployments.ts";
import { PlatformError } from "../../../../actions/lib/errors.ts";
import { GitHubEmulator } from "../../../../sandbox/github-emulator.ts";
import { fastClock, fastRetry, recordingReporter } from "../../../helpers.ts";

const TOKEN = "ghs_test_token_0123456789";
const SHA = "a".repeat(40);
let github: GitHubEmulator;

beforeEach(async () => {
  github = new GitHubEmulator({ token: TOKEN });
  await github.start();
});
afterEach(() => github.stop());

function client(token = TOKEN) {
  const clock = fastClock();
  const reporter = recordingReporter();
  const records = new GitHubDeployments({
    token,
    apiUrl: github.url,
    repository: "acme/web",
    clock,
    reporter,
    retry: fastRetry,
    random: () => 0.5,
  });
  return { records, clock, reporter };
}

describe("GitHub deployment records through @actions/github", () => {
  it("creates one record per environment and build, reuses it on a re-run, and reads it back", async () => {
    const { records } = client();
    const payload = { version: "1.2.0", rule: "push to release/X.Y.Z" };
    const first = await records.ensure({
      sha: SHA,
      environment: "staging",
      description: "d",
      targetDeploymentId: "dpl_a",
      payload,
    });
    const again = await records.ensure({
      sha: SHA,
      environment: "staging",
      description: "d",
      targetDeploymentId: "dpl_a",
      payload,
    });
    const rebuilt = await records.ensure({
      sha: SHA,
      environment: "staging",
      description: "d",
      targetDeploymentId: "dpl_b",
      payload,
    });
    const prod = await records.ensure({
      sha: SHA,
      environment: "production",
      description: "d",
      targetDeploymentId: "dpl_a",
      payload,
    });
    expect(again).toBe(first);
    expect(new Set([first, rebuilt, prod]).size).toBe(3);
    expect(github.deployments[0]?.payload).toEqual({ ...payload, targetDeploymentId: "dpl_a" });
    const staging = await records.list("staging");
    expect(staging.map((r) => [r.id, r.targetDeploymentId])).toEqual([
      [rebuilt, "dpl_b"],
      [first, "dpl_a"],
    ]);
  });

  it("marks previews transient and production as production", async () => {
    const { records } = client();
    await records.ensure({
      sha: SHA,
      environment: "preview",
      description: "d",
      targetDeploymentId: "dpl_x",
      payload: {},
    });
    await records.ensure({
      sha: SHA,
      environment: "production",
      description: "d",
      targetDeploymentId: "dpl_x",
      payload: {},
    });
    const [preview, production] = github.deployments;
    expect(preview).toMatchObject({
      environment: "preview",
      transient_environment: true,
      production_environment: false,
    });
    expect(production).toMatchObject({
      environment: "production",
      transient_environment: false,
      production_environment: true,
    });
  });

  it("records in_progress then success with the environment URL", async () => {
    const { records } = client();
    const id = await records.ensure({
      sha: SHA,
      environment: "staging",
      description: "d",
      targetDeploymentId: "dpl_x",
      payload: {},
    });
    await records.setStatus(id, "in_progress", { description: "Building" });
    await records.setStatus(id, "success", {
      description: "Ready",
      environmentUrl: "https://staging.example.com",
    });
    const statuses = await records.statuses(id);
    expect(statuses.map((s) => s.state)).toEqual(["success", "in_progress"]);
    expect(statuses[0]?.environmentUrl).toBe("https://staging.example.com");
  });

  it("retries a rate limit and a server error, then succeeds", async () => {
    const { records, clock } = client();
    github.router.inject({
      method: "GET",
      path: "/deployments",
      status: 429,
      headers: { "retry-after": "3" },
      body: { message: "API rate limit exceeded" },
    });
    github.router.inject({
      method: "POST",
      path: "/deployments",
      status: 502,
      body: { message: "Server Error" },
    });
    const id = await records.ensure({
      sha: SHA,
      environment: "staging",
      description: "d",
      targetDeploymentId: "dpl_x",
      payload: {},
    });
    expect(id).toBeGreaterThan(0);
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(3_000);
  });

  it("fails at once on bad credentials, naming what it was doing", async () => {
    const { records, clock } = client("ghs_wrong");
    const err = await records
      .ensure({
        sha: SHA,
        environment: "staging",
        description: "d",
        targetDeploymentId: "dpl_x",
        payload: {},
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as Error).message).toBe(
      `Failed to list GitHub deployments of acme/web staging at ${SHA.slice(0, 12)}: HTTP 401 Bad credentials`,
    );
    expect(clock.sleeps).toHaveLength(0);
  });
});

describe("a damaged answer from GitHub", () => {
  it("retries malformed JSON, then fails naming GitHub and the endpoint", async () => {
    const { records, reporter } = client();
    github.router.inject({ method: "GET", path: "/deployments", status: 200, raw: "[{", times: 1 });
    expect(await records.list("production")).toEqual([]);
    expect(reporter.lines.filter((l) => /malformed JSON.*; retrying/.test(l))).toHaveLength(1);

    github.router.inject({ method: "GET", path: "/deployments", status: 200, raw: "[{", times: 100 });
    const err = await records.list("production").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as Error).message).toMatch(
      /^Failed to list GitHub deployments of acme\/web production: GitHub answered GET \/repos\/\{owner\}\/\{repo\}\/deployments with malformed JSON \(2 bytes that do not parse\) after 4 attempts$/,
    );
  });
});

describe("creating calls retried after a lost answer", () => {
  it("a deployment GitHub created before answering 502 is found, not created twice", async () => {
    const { records } = client();
    github.router.inject({ method: "POST", path: "/deployments", status: 502, after: true });
    const request = {
      sha: SHA,
      environment: "production" as const,
      description: "d",
      targetDeploymentId: "dpl_once",
      payload: {},
    };
    const id = await records.ensure(request);
    const listed = await records.lookup(SHA, "production");
    expect(listed.map((r) => r.id)).toEqual([id]);
  });

  it("a status GitHub wrote before the connection broke is not written twice", async () => {
    const { records } = client();
    const id = await records.ensure({
      sha: SHA,
      environment: "staging",
      description: "d",
      targetDeploymentId: "dpl_s",
      payload: {},
    });
    github.router.inject({ method: "POST", path: "/statuses", status: 502, after: true });
    await records.setStatus(id, "success", { description: "Ready: dpl_s" });
    expect((await records.statuses(id)).map((s) => `${s.state} ${s.description}`)).toEqual([
      "success Ready: dpl_s",
    ]);
  });
});
