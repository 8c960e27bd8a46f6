import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDeployConfig } from "../../../../actions/lib/deploy/config.ts";
import { planFor, runDeploy } from "../../../../actions/lib/deploy/run.ts";
import { InputError, PlatformError } from "../../../../actions/lib/errors.ts";
import { parseRollbackConfig } from "../../../../actions/lib/rollback/config.ts";
import { RollbackFailedError } from "../../../../actions/lib/rollback/rollback.ts";
import { runRollback } from "../../../../actions/lib/rollback/run.ts";
import { type Sandbox, startSandbox } from "../../../../sandbox/sandbox.ts";
import { fastClock, fastRetry, recordingReporter } from "../../../helpers.ts";
import { releaseTo } from "./release.ts";

const SMOKE =
  "retries: { attempts: 1 }\nchecks:\n  - { name: home, path: / }\n  - { name: status api, path: /api/status, expect: { status: 200 } }\n";

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ buildMs: 40, promoteMs: 20 });
});
afterEach(() => sandbox.stop());

const release = (version: string, files: Record<string, string | null> = {}) =>
  releaseTo(sandbox, version, files);

function rollbackConfig(extra: Record<string, string> = {}) {
  return parseRollbackConfig({
    ...sandbox.platformInputs(),
    "smoke-config-inline": SMOKE,
    "watch-window": "20s",
    "watch-interval": "1s",
    "consecutive-failures": "3",
    "slack-webhook-url": sandbox.slack.webhookUrl,
    ...extra,
  });
}

async function guard(extra: Record<string, string> = {}) {
  const reporter = recordingReporter();
  const outcome = await runRollback(rollbackConfig(extra), {
    reporter,
    env: {},
    clock: fastClock(),
    retry: fastRetry,
  });
  return { outcome, reporter };
}

const live = () => [...sandbox.vercel.projects.values()][0]?.productionDeploymentId;
const rollbackRequests = () =>
  sandbox.vercel.router.requests.filter((r) => r.method === "POST" && r.path.includes("/rollback/"));
const recordOf = (id: string) =>
  sandbox.github.deployments.find(
    (d) => (d.payload as { targetDeploymentId?: string }).targetDeploymentId === id,
  );
const statusesOf = (id: string) =>
  (sandbox.github.statuses.get(recordOf(id)?.id ?? -1) ?? []).map((s) => `${s.state}: ${s.description}`);

/** A good release, watched until known-good, then a second release. */
async function goodThenNext(files: Record<string, string | null> = {}) {
  const good = await release("1.0.0");
  expect((await guard()).outcome.outcome).toBe("known-good");
  const next = await release("1.1.0", files);
  return { good, next };
}

describe("watch and known-good", () => {
  it("marks a healthy release known-good on GitHub after the whole window, and never rolls it back", async () => {
    const id = await release("1.0.0");
    const { outcome } = await guard();
    expect(outcome).toMatchObject({ outcome: "known-good", severity: null, to: null });
    expect(outcome.watch?.rounds.length).toBeGreaterThanOrEqual(20);
    expect(statusesOf(id).at(-1)).toMatch(/^success: garde known-good: dpl_\w+ \(\d+ rounds over 20 s/);
    expect(rollbackRequests()).toHaveLength(0);
  });

  it("does not roll back for one transient failure", async () => {
    const { next } = await goodThenNext();
    sandbox.vercel.injectAppFault(next, "/api/status", 500, 1);
    const { outcome } = await guard();
    expect(outcome.outcome).toBe("known-good");
    expect(outcome.watch?.rounds.filter((r) => !r.passed)).toHaveLength(1);
    expect(live()).toBe(next);
    expect(rollbackRequests()).toHaveLength(0);
  });
});

describe("each failure signal rolls back exactly once", () => {
  it("three consecutive failed checks", async () => {
    const { good, next } = await goodThenNext({
      "routes.json": '{"/api/status":{"status":500,"body":"db pool exhausted"}}',
    });
    const { outcome } = await guard();
    expect(outcome).toMatchObject({ outcome: "rolled-back", severity: "P1", from: next, to: good });
    expect(outcome.reason).toMatch(/^3 consecutive failed checks: status api: status 500, expected 200/);
    expect(outcome.watch?.rounds.map((r) => r.passed)).toEqual([false, false, false]);
    expect(live()).toBe(good);
    expect(rollbackRequests()).toHaveLength(1);
    expect(statusesOf(next).at(-1)).toMatch(
      new RegExp(`^failure: garde rolled back: ${next} → ${good}: 3 consecutive`),
    );
    expect(statusesOf(good).at(-1)).toBe(`success: garde restored: ${good} (rolled back from ${next})`);
    expect(outcome.verification?.passed).toBe(true);
  });

  it("an error rate over the threshold without three in a row", async () => {
    const { good, next } = await goodThenNext();
    // fail, pass, fail: 2 of 3 rounds failed, over 50 %, never 3 in a row
    sandbox.vercel.injectAppSequence(next, "/api/status", [500, 0, 500]);
    const { outcome } = await guard({ "error-rate": "0.5", "consecutive-failures": "3" });
    expect(outcome).toMatchObject({ outcome: "rolled-back", from: next, to: good });
    expect(outcome.reason).toMatch(/^2 of 3 rounds failed \(over 50 %\)/);
    expect(outcome.watch?.rounds.map((r) => r.passed)).toEqual([false, true, false]);
    expect(rollbackRequests()).toHaveLength(1);
  });

  it("a Cloud Monitoring incident opened during the watch", async () => {
    const { good, next } = await goodThenNext();
    sandbox.monitoring.openAfterPolls(2, "5xx > 5 in 5 min", "CRITICAL");
    const { outcome } = await guard({
      "gcp-monitoring-project": "garde-sandbox",
      "gcp-monitoring-api-url": sandbox.monitoring.url,
    });
    expect(outcome.watch?.rounds).toHaveLength(3);
    expect(outcome).toMatchObject({ outcome: "rolled-back", from: next, to: good });
    expect(outcome.reason).toBe("Cloud Monitoring alert firing: 5xx > 5 in 5 min (CRITICAL)");
    expect(rollbackRequests()).toHaveLength(1);
  });

  it("ignores an incident that was already open before the release was watched", async () => {
    await goodThenNext();
    sandbox.monitoring.open("disk < 10 %", "WARNING", new Date(Date.now() - 60_000));
    const { outcome } = await guard({
      "gcp-monitoring-project": "garde-sandbox",
      "gcp-monitoring-api-url": sandbox.monitoring.url,
    });
    expect(outcome.outcome).toBe("known-good");
  });

  it("a firing alert from a webhook (Alertmanager format)", async () => {
    const { good } = await goodThenNext();
    let polls = 0;
    const hook = createServer((_req, res) => {
      // Quiet for two polls, then an alert that started just now.
      const firing =
        ++polls > 2
          ? [
              {
                labels: { alertname: "HighErrorRate", severity: "critical" },
                startsAt: new Date().toISOString(),
                status: { state: "active" },
              },
            ]
          : [];
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(firing));
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/api/v2/alerts`;
      const { outcome } = await guard({ "alert-webhook-url": url });
      expect(outcome.watch?.rounds).toHaveLength(3);
      expect(outcome).toMatchObject({
        outcome: "rolled-back",
        to: good,
        reason: "alert webhook alert firing: HighErrorRate",
      });
      expect(rollbackRequests()).toHaveLength(1);
    } finally {
      hook.close();
    }
  });
});

describe("no false rollback from an alert that cannot prove it fires now", () => {
  it("keeps a healthy release live when the webhook's alert has no startsAt or has ended", async () => {
    const { next } = await goodThenNext();
    const hook = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          status: "firing",
          alerts: [
            { labels: { alertname: "NoStart" }, status: "firing" },
            {
              labels: { alertname: "Resolved" },
              status: "firing",
              startsAt: new Date().toISOString(),
              endsAt: new Date(Date.now() - 1).toISOString(),
            },
          ],
        }),
      );
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/api/v2/alerts`;
      const { outcome } = await guard({ "alert-webhook-url": url });
      expect(outcome.outcome).toBe("known-good");
      expect(live()).toBe(next);
      expect(rollbackRequests()).toHaveLength(0);
      expect(sandbox.slack.messages.filter((m) => /P1/.test(m.text))).toEqual([]);
    } finally {
      hook.close();
    }
  });
});

describe("rollback safety", () => {
  it("with no known-good deployment, changes nothing and pages with what to do", async () => {
    const first = await release("1.0.0", { "routes.json": '{"/api/status":{"status":503}}' });
    const err = await guard().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RollbackFailedError);
    expect((err as Error).message).toMatch(
      /^P1: production \(dpl_\w+\) is failing and garde has no known-good deployment to roll back to, so it changed nothing\. Why: 3 consecutive failed checks.*Next: run the rollback workflow with to: <deployment id>/,
    );
    expect(live()).toBe(first);
    expect(rollbackRequests()).toHaveLength(0);
    expect(sandbox.slack.messages.map((m) => m.text)).toEqual([
      ":rotating_light: P1: production failing, no known-good deployment to roll back to",
    ]);
  });

  it("retries the Vercel API during a rollback", async () => {
    const { good } = await goodThenNext({ "routes.json": '{"/api/status":{"status":500}}' });
    sandbox.vercel.router.inject({ method: "POST", path: "/rollback/", status: 500, times: 2 });
    const { outcome, reporter } = await guard();
    expect(outcome.outcome).toBe("rolled-back");
    expect(live()).toBe(good);
    expect(reporter.lines.filter((l) => /roll back .* HTTP 500; retrying/.test(l))).toHaveLength(2);
  });

  it("fails loudly as P1 when the Vercel API keeps failing, then a rerun converges on the known-good", async () => {
    const { good, next } = await goodThenNext({ "routes.json": '{"/api/status":{"status":500}}' });
    sandbox.vercel.router.inject({ method: "POST", path: "/rollback/", status: 503, times: 100 });
    const err = await guard().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RollbackFailedError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^P1: production rollback from ${next} to ${good} FAILED: Failed to roll back .*HTTP 503 after 4 attempts`,
      ),
    );
    expect(live()).toBe(next);
    expect(sandbox.slack.messages.at(-1)?.text).toBe(
      `:rotating_light: P1: production rollback from ${next} to ${good} failed`,
    );
    expect(sandbox.github.issues.at(-1)?.title).toBe(
      `P1: production rollback from ${next} to ${good} failed`,
    );

    // The run died; the API recovers; the workflow runs again.
    sandbox.vercel.router.clearFaults();
    const { outcome } = await guard({ "deployment-id": next });
    expect(outcome).toMatchObject({ outcome: "rolled-back", from: next, to: good });
    expect(live()).toBe(good);
    expect(statusesOf(good).at(-1)).toBe(`success: garde restored: ${good} (rolled back from ${next})`);
  });

  it("a run killed after production moved but before GitHub was updated: the rerun finishes, once", async () => {
    const { good, next } = await goodThenNext({ "routes.json": '{"/api/status":{"status":500}}' });
    const goodRecord = recordOf(good)?.id;
    sandbox.github.router.inject({
      method: "POST",
      path: `/deployments/${goodRecord}/statuses`,
      status: 422,
      body: { message: "simulated crash" },
    });
    const err = await guard().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(live()).toBe(good);
    const { outcome } = await guard();
    expect(outcome).toMatchObject({ outcome: "rolled-back", from: next, to: good });
    expect(rollbackRequests()).toHaveLength(1);
    expect(statusesOf(good).at(-1)).toBe(`success: garde restored: ${good} (rolled back from ${next})`);
    // and once more: nothing left to do
    const again = await guard({ "deployment-id": next });
    expect(again.outcome.outcome).toBe("not-live");
    expect(rollbackRequests()).toHaveLength(1);
  });
});

describe("manual rollback", () => {
  it("goes to the previous release, as P2, and files one GitHub issue", async () => {
    const { good, next } = await goodThenNext();
    const { outcome } = await guard({ to: "previous", reason: "checkout totals wrong" });
    expect(outcome).toMatchObject({
      outcome: "rolled-back",
      severity: "P2",
      from: next,
      to: good,
      reason: "checkout totals wrong",
    });
    expect(live()).toBe(good);
    expect(sandbox.github.issues.map((i) => i.title)).toEqual([
      `P2: production rolled back from ${next} to ${good}`,
    ]);
    expect(sandbox.github.issues[0]?.body).toContain("checkout totals wrong");
  });

  it("goes to a given deployment id, and refuses one that is not a production build", async () => {
    const { good } = await goodThenNext();
    await release("1.2.0");
    const { outcome } = await guard({ to: good });
    expect(outcome.to).toBe(good);
    expect(live()).toBe(good);
    const preview = await sandbox.vercel.router.requests.length;
    const err = await guard({ to: "dpl_doesnotexist" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/to: dpl_doesnotexist is not a READY production deployment/);
    expect(preview).toBeGreaterThan(0);
  });

  it("refuses a READY preview build by id (exit 2), and production does not move", async () => {
    const { next } = await goodThenNext();
    const sha = sandbox.app.git("rev-parse", "main");
    const config = parseDeployConfig(sandbox.inputs({ sha, "smoke-config-inline": "checks: [{ path: / }]" }));
    const plan = planFor({ event: "pull_request", ref: "refs/pull/7/merge", headRef: "feature/x" }, config);
    const preview = await runDeploy(config, plan, {
      reporter: recordingReporter(),
      clock: fastClock(),
      retry: fastRetry,
      env: {},
    });
    expect(preview.environment).toBe("preview");
    const err = await guard({ to: preview.deploymentId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/is not a READY production deployment of this project/);
    expect(live()).toBe(next);
    expect(rollbackRequests()).toHaveLength(0);
  });
});
