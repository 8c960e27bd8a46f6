import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDeployConfig } from "../../../../actions/lib/deploy/config.ts";
import { deploySummaryRows, planFor, runDeploy, runReconcile } from "../../../../actions/lib/deploy/run.ts";
import type { Reporter } from "../../../../actions/lib/reporter.ts";
import { rolledBackDescription } from "../../../../actions/lib/rollback/known-good.ts";
import { type Sandbox, startSandbox } from "../../../../sandbox/sandbox.ts";
import { fastClock, fastRetry, recordingReporter, sandboxRecords } from "../../../helpers.ts";

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ buildMs: 40, promoteMs: 20 });
});
afterEach(() => sandbox.stop());

const live = () => [...sandbox.vercel.projects.values()][0]?.productionDeploymentId ?? null;
const latestStatus = (id: number) => sandbox.github.statuses.get(id)?.at(-1);

/** A reporter that calls `when` on the first line matching `pattern`: the moment to break something. */
function breakingReporter(pattern: RegExp, when: () => void): Reporter & { lines: string[] } {
  const inner = recordingReporter();
  let fired = false;
  const hook = (line: string) => {
    if (!fired && pattern.test(line)) {
      fired = true;
      when();
    }
  };
  return {
    lines: inner.lines,
    info: (m) => {
      hook(m);
      inner.info(m);
    },
    warn: (m) => {
      hook(m);
      inner.warn(m);
    },
    debug: (m) => inner.debug(m),
  };
}

async function deployMain(sha: string, reporter: Reporter = recordingReporter()) {
  const config = parseDeployConfig(sandbox.inputs({ sha }));
  const plan = planFor({ event: "push", ref: "refs/heads/main" }, config);
  const result = await runDeploy(config, plan, { reporter, clock: fastClock(), retry: fastRetry, env: {} });
  return { config, plan, result };
}

describe("half-done deploys converge", () => {
  it("a record GitHub keeps refusing after the promotion ends 'deployed, record pending'; --reconcile repairs it", async () => {
    const reporter = breakingReporter(/^Promoted dpl_/, () =>
      sandbox.github.router.inject({ method: "POST", path: "/statuses", status: 503, times: 100 }),
    );
    const { config, plan, result } = await deployMain(sandbox.app.git("rev-parse", "main"), reporter);
    expect(result).toMatchObject({
      promoted: true,
      recordPending: expect.stringMatching(/HTTP 503 after 4 attempts/),
    });
    expect(live()).toBe(result.deploymentId);
    expect(reporter.lines.join("\n")).toMatch(/warn Deployed, record pending: dpl_\w+ serves production/);
    expect(deploySummaryRows(plan, result, null).find((r) => r[0] === "Outcome")?.[1]).toBe(
      "deployed, record pending",
    );
    expect(latestStatus(result.githubDeploymentId)?.state).not.toBe("success");

    sandbox.github.router.clearFaults();
    const repaired = await runReconcile(config, {
      reporter: recordingReporter(),
      clock: fastClock(),
      retry: fastRetry,
    });
    expect(repaired).toMatchObject({ live: result.deploymentId, repaired: true });
    expect(latestStatus(result.githubDeploymentId)).toMatchObject({ state: "success" });
    expect(latestStatus(result.githubDeploymentId)?.description).toBe(
      `garde reconciled: production serves ${result.deploymentId}`,
    );
    const again = await runReconcile(config, {
      reporter: recordingReporter(),
      clock: fastClock(),
      retry: fastRetry,
    });
    expect(again.repaired).toBe(false);
  });

  it("the next deploy repairs the record a pending run left behind", async () => {
    const reporter = breakingReporter(/^Promoted dpl_/, () =>
      sandbox.github.router.inject({ method: "POST", path: "/statuses", status: 503, times: 100 }),
    );
    const first = await deployMain(sandbox.app.git("rev-parse", "main"), reporter);
    sandbox.github.router.clearFaults();
    const sha = sandbox.app.commit("main", { "public/index.html": "<h1>v2</h1>" }, "v2", "main");
    const second = await deployMain(sha);
    expect(second.result.previousDeploymentId).toBe(first.result.deploymentId);
    expect(latestStatus(first.result.githubDeploymentId)).toMatchObject({ state: "success" });
    expect(latestStatus(second.result.githubDeploymentId)).toMatchObject({ state: "success" });
  });

  it("a promotion whose answers were lost is checked against what production serves, not marked failed", async () => {
    sandbox.vercel.router.inject({ method: "POST", path: "/promote/", status: 502, after: true, times: 100 });
    const reporter = recordingReporter();
    const { result } = await deployMain(sandbox.app.git("rev-parse", "main"), reporter);
    expect(result.promoted).toBe(true);
    expect(live()).toBe(result.deploymentId);
    expect(latestStatus(result.githubDeploymentId)?.state).toBe("success");
    expect(reporter.lines.join("\n")).toMatch(
      /reported a failure \(.*HTTP 502.*\), but production serves it/,
    );
  });

  it("garbage JSON while waiting for the promotion is retried, and the deploy ends promoted and recorded", async () => {
    const reporter = breakingReporter(/Checks on /, () =>
      sandbox.vercel.router.inject({
        method: "GET",
        path: "/v9/projects/",
        status: 200,
        raw: '{"id":',
        times: 2,
      }),
    );
    const { result } = await deployMain(sandbox.app.git("rev-parse", "main"), reporter);
    expect(result.promoted).toBe(true);
    expect(live()).toBe(result.deploymentId);
    expect(latestStatus(result.githubDeploymentId)?.state).toBe("success");
    expect(reporter.lines.filter((l) => /malformed JSON.*retrying/.test(l)).length).toBe(2);
  });

  it("--reconcile leaves a failure garde wrote on purpose: an unfinished rollback's intent stays for the rollback to resume", async () => {
    const { config, result } = await deployMain(sandbox.app.git("rev-parse", "main"));
    const github = sandboxRecords(sandbox);
    const intent = rolledBackDescription(result.deploymentId, "dpl_good", "3 consecutive failed checks");
    await github.setStatus(result.githubDeploymentId, "failure", { description: intent });
    const outcome = await runReconcile(config, {
      reporter: recordingReporter(),
      clock: fastClock(),
      retry: fastRetry,
    });
    expect(outcome).toMatchObject({
      repaired: false,
      detail: expect.stringMatching(/rollback .* is unfinished/),
    });
    expect(latestStatus(result.githubDeploymentId)).toMatchObject({ state: "failure", description: intent });
  });
});
