import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitReady } from "../../../../actions/lib/deploy/wait-ready.ts";
import { CheckFailedError, PlatformError } from "../../../../actions/lib/errors.ts";
import { VercelTarget } from "../../../../actions/lib/targets/vercel.ts";
import { type Sandbox, startSandbox } from "../../../../sandbox/sandbox.ts";
import { fastClock, fastRetry, recordingReporter } from "../../../helpers.ts";

let sandbox: Sandbox;
let sha: string;

beforeEach(async () => {
  sandbox = await startSandbox({ buildMs: 60, promoteMs: 30 });
  sha = sandbox.app.git("rev-parse", "main");
});
afterEach(() => sandbox.stop());

function target(overrides: { token?: string } = {}) {
  const clock = fastClock();
  const reporter = recordingReporter();
  const t = new VercelTarget({
    token: overrides.token ?? sandbox.vercelToken,
    project: sandbox.project,
    apiUrl: sandbox.vercel.url,
    repository: sandbox.repository,
    clock,
    reporter,
    retry: fastRetry,
    random: () => 0.5,
  });
  return { t, clock, reporter };
}

const request = (environment: "preview" | "staging" | "production", staged = false) => ({
  sha,
  branch: "main",
  environment,
  staged,
  meta: {},
});

describe("Vercel deploy target through @vercel/sdk", () => {
  it("builds a commit into a deployment whose URL answers once READY", async () => {
    const { t, clock, reporter } = target();
    const created = await t.create(request("preview"));
    expect(created.id).toMatch(/^dpl_/);
    const ready = await waitReady(t, created.id, { timeoutMs: 30_000, pollIntervalMs: 20, clock, reporter });
    expect(ready.state).toBe("READY");
    const page = await fetch(ready.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("garde sample app");
    expect(reporter.lines.some((l) => l.includes("is READY"))).toBe(true);
  });

  it("retries a 429 after the Retry-After the server asked for", async () => {
    const { t, clock, reporter } = target();
    sandbox.vercel.router.inject({
      method: "POST",
      path: "/v13/deployments",
      status: 429,
      headers: { "retry-after": "7" },
      body: { error: { code: "rate_limited", message: "Too many requests" } },
    });
    const created = await t.create(request("preview"));
    expect(created.id).toMatch(/^dpl_/);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(7_000);
    expect(clock.sleeps[0]).toBeLessThan(7_100);
    expect(reporter.lines.join("\n")).toMatch(
      /HTTP 429 rate_limited: Too many requests; retrying in 7\.0 s \(attempt 2\/4\)/,
    );
  });

  it("retries a 500 with backoff and then succeeds", async () => {
    const { t, clock } = target();
    sandbox.vercel.router.inject({
      method: "POST",
      path: "/v13/deployments",
      status: 500,
      times: 2,
      body: { error: { code: "internal_server_error", message: "boom" } },
    });
    const created = await t.create(request("preview"));
    expect(created.id).toMatch(/^dpl_/);
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[1]).toBeGreaterThan(clock.sleeps[0] ?? 0);
  });

  it("gives up on a persistent 503 naming the operation and the attempts", async () => {
    const { t } = target();
    sandbox.vercel.router.inject({ method: "POST", path: "/v13/deployments", status: 503, times: 10 });
    const err = await t.create(request("preview")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).message).toMatch(
      /^Failed to create a preview deployment of [0-9a-f]{12} for Vercel project sample-app: HTTP 503 after 4 attempts$/,
    );
  });

  it("does not retry a 4xx other than 429", async () => {
    const { t, clock } = target({ token: "wrong-token" });
    const err = await t.create(request("preview")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).status).toBe(403);
    expect((err as PlatformError).attempts).toBe(1);
    expect(clock.sleeps).toHaveLength(0);
  });

  it("fails with the build's state and message when the build ends in ERROR", async () => {
    const { t, clock, reporter } = target();
    sandbox.vercel.failNextBuild({ kind: "error", message: 'Command "npm run build" exited with 1' });
    const created = await t.create(request("preview"));
    const err = await waitReady(t, created.id, {
      timeoutMs: 30_000,
      pollIntervalMs: 20,
      clock,
      reporter,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect((err as Error).message).toBe(
      `Deployment ${created.id} on vercel ended in ERROR: Command "npm run build" exited with 1`,
    );
  });

  it("times out on a deployment that never becomes READY, saying the last state", async () => {
    const { t, clock, reporter } = target();
    sandbox.vercel.failNextBuild({ kind: "hang" });
    const created = await t.create(request("preview"));
    const err = await waitReady(t, created.id, {
      timeoutMs: 60_000,
      pollIntervalMs: 5_000,
      clock,
      reporter,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect((err as Error).message).toMatch(/still (QUEUED|BUILDING) after 60 s; raise ready-timeout/);
  });

  it("stages production: a READY production build does not serve the domains until promoted", async () => {
    const { t, clock, reporter } = target();
    const first = await t.create(request("production", true));
    await waitReady(t, first.id, { timeoutMs: 30_000, pollIntervalMs: 20, clock, reporter });
    expect(await t.currentProduction()).toBeNull();
    expect(sandbox.vercel.projects.values().next().value?.autoAssignCustomDomains).toBe(false);
    await t.promote(first.id);
    expect((await t.currentProduction())?.id).toBe(first.id);

    const second = await t.create(request("production", true));
    await waitReady(t, second.id, { timeoutMs: 30_000, pollIntervalMs: 20, clock, reporter });
    expect((await t.currentProduction())?.id).toBe(first.id);
    await t.promote(second.id);
    expect((await t.currentProduction())?.id).toBe(second.id);
  });

  it("points the staging alias at a deployment and reports what it replaced", async () => {
    const { t, clock, reporter } = target();
    const a = await t.create(request("staging"));
    const b = await t.create(request("staging"));
    await waitReady(t, b.id, { timeoutMs: 30_000, pollIntervalMs: 20, clock, reporter });
    expect(await t.assignAlias(a.id, "staging.example.com")).toEqual({ previousDeploymentId: null });
    expect(await t.assignAlias(b.id, "staging.example.com")).toEqual({ previousDeploymentId: a.id });
  });
});

describe("a damaged answer from Vercel", () => {
  it("retries malformed JSON as a transient failure, and reads the deployment on the next attempt", async () => {
    const { t, reporter } = target();
    const created = await t.create(request("preview"));
    sandbox.vercel.router.inject({
      method: "GET",
      path: `/v13/deployments/${created.id}`,
      status: 200,
      raw: '{"id":"dpl_cut_sh',
      times: 2,
    });
    const read = await t.get(created.id);
    expect(read.id).toBe(created.id);
    expect(reporter.lines.filter((l) => /malformed JSON .*; retrying/.test(l))).toHaveLength(2);
  });

  it("after the retries, fails naming Vercel and the endpoint, never quoting the body", async () => {
    const { t } = target();
    sandbox.vercel.router.inject({
      method: "GET",
      path: "/v9/projects/",
      status: 200,
      raw: "<html>secret-looking proxy page",
      times: 100,
    });
    const err = await t.currentProduction().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as Error).message).toMatch(
      /^Failed to read Vercel project sample-app: Vercel answered GET \/v9\/projects\/sample-app with malformed JSON \(\d+ bytes that do not parse\) after 4 attempts$/,
    );
    expect((err as Error).message).not.toContain("secret-looking");
  });

  it("retries JSON that does not match Vercel's schema", async () => {
    const { t, reporter } = target();
    const created = await t.create(request("preview"));
    sandbox.vercel.router.inject({
      method: "GET",
      path: `/v13/deployments/${created.id}`,
      status: 200,
      body: { unexpected: true },
    });
    expect((await t.get(created.id)).id).toBe(created.id);
    expect(reporter.lines.join("\n")).toMatch(/does not match its API schema .*; retrying/);
  });
});

describe("creating a deployment retried after a lost answer", () => {
  it("finds the build Vercel started before answering 502: one deployment of the commit, not two", async () => {
    const { t } = target();
    sandbox.vercel.router.inject({ method: "POST", path: "/v13/deployments", status: 502, after: true });
    const created = await t.create(request("preview"));
    const { deployments } = (await (
      await fetch(`${sandbox.vercel.url}/v6/deployments?projectId=${sandbox.project}&sha=${sha}`, {
        headers: { authorization: `Bearer ${sandbox.vercelToken}` },
      })
    ).json()) as { deployments: { uid: string }[] };
    expect(deployments.map((d) => d.uid)).toEqual([created.id]);
  });
});
