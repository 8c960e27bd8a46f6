import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDeployConfig } from "../../../../actions/lib/deploy/config.ts";
import { leaseDescription } from "../../../../actions/lib/deploy/lease.ts";
import { planFor, runDeploy } from "../../../../actions/lib/deploy/run.ts";
import { CheckFailedError } from "../../../../actions/lib/errors.ts";
import { type Sandbox, startSandbox } from "../../../../sandbox/sandbox.ts";
import { fastClock, fastRetry, recordingReporter, sandboxRecords } from "../../../helpers.ts";

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ buildMs: 40, promoteMs: 20 });
});
afterEach(() => sandbox.stop());

const live = () => [...sandbox.vercel.projects.values()][0]?.productionDeploymentId ?? null;

function deployMain(sha: string, clock = fastClock()) {
  const config = parseDeployConfig(sandbox.inputs({ sha }));
  const plan = planFor({ event: "push", ref: "refs/heads/main" }, config);
  const reporter = recordingReporter();
  const result = runDeploy(config, plan, { reporter, clock, retry: fastRetry, env: {} });
  return { result, reporter };
}

/** Another run's record holding the production lease until `until` (virtual time of `clock`). */
async function otherRunHoldsLease(until: number) {
  const github = sandboxRecords(sandbox);
  const id = await github.ensure({
    sha: sandbox.app.git("rev-parse", "main"),
    environment: "production",
    description: "another run",
    targetDeploymentId: "dpl_otherRun",
    payload: {},
  });
  await github.setStatus(id, "in_progress", { description: leaseDescription("dpl_otherRun", until) });
  return { github, id };
}

describe("the production lease", () => {
  it("waits while another run holds it, and promotes once that run ends", async () => {
    const clock = fastClock();
    const other = await otherRunHoldsLease(clock.now() + 600_000);
    const sha = sandbox.app.commit("main", { "public/index.html": "<h1>v2</h1>" }, "v2", "main");
    const run = deployMain(sha, clock);
    await expect
      .poll(() => run.reporter.lines.join("\n"), { timeout: 10_000, interval: 20 })
      .toMatch(/dpl_otherRun holds the production lease: waiting/);
    expect(live()).toBeNull();
    await other.github.setStatus(other.id, "success", { description: "Promoted dpl_otherRun" });
    const result = await run.result;
    expect(result.promoted).toBe(true);
    expect(live()).toBe(result.deploymentId);
  });

  it("ignores the lease of a run that died (expired)", async () => {
    const clock = fastClock();
    await otherRunHoldsLease(clock.now() - 1_000);
    const run = deployMain(sandbox.app.git("rev-parse", "main"), clock);
    const result = await run.result;
    expect(live()).toBe(result.deploymentId);
    expect(run.reporter.lines.join("\n")).not.toMatch(/holds the production lease/);
  });

  it("gives up with a clear message when the lease is never released, leaving production alone", async () => {
    const clock = fastClock(0);
    await otherRunHoldsLease(clock.now() + 3_600_000);
    const run = deployMain(sandbox.app.git("rev-parse", "main"), clock);
    const err = await run.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect((err as Error).message).toMatch(
      /^production is being deployed by dpl_otherRun \(its lease holds until .*\); dpl_\w+ was not promoted/,
    );
    expect(live()).toBeNull();
  });
});
