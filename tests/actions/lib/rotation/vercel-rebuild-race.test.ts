import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubDeployments } from "../../../../actions/lib/deploy/github-deployments.ts";
import { VercelEnvConsumer } from "../../../../actions/lib/rotation/vercel-consumer.ts";
import { parseSmokeConfig } from "../../../../actions/lib/smoke/config.ts";
import { smokeGate } from "../../../../actions/lib/smoke/gate.ts";
import { VercelTarget } from "../../../../actions/lib/targets/vercel.ts";
import { type Sandbox, startSandbox } from "../../../../sandbox/sandbox.ts";
import { shipToProduction } from "../../../../sandbox/ship.ts";
import { fastClock, fastRetry, recordingReporter } from "../../../helpers.ts";

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ buildMs: 40, promoteMs: 20 });
});
afterEach(() => sandbox.stop());

const ship = (sha: string) =>
  shipToProduction(sandbox.inputs({ sha }), {
    reporter: recordingReporter(),
    clock: fastClock(),
    retry: fastRetry,
    env: {},
  });
const live = () => [...sandbox.vercel.projects.values()][0]?.productionDeploymentId as string;

describe("a rotation's rebuild racing a deploy", () => {
  it("never promotes its rebuild of the older commit over a newer one deployed meanwhile: it rebuilds that", async () => {
    await ship(sandbox.app.git("rev-parse", "main"));
    const ctx = { clock: fastClock(), reporter: recordingReporter(), retry: fastRetry };
    const target = new VercelTarget({
      token: sandbox.vercelToken,
      project: sandbox.project,
      apiUrl: sandbox.vercel.url,
      repository: sandbox.repository,
      ...ctx,
    });
    const github = new GitHubDeployments({
      token: sandbox.githubToken,
      apiUrl: sandbox.github.url,
      repository: sandbox.repository,
      ...ctx,
    });
    const newer = sandbox.app.commit("main", { "public/index.html": "<h1>v2</h1>" }, "v2", "main");
    let checks = 0;
    const consumer = new VercelEnvConsumer({
      target,
      env: target,
      github,
      key: "API_TOKEN",
      // While the first rebuild is checked, a release of a newer commit reaches production.
      check: async (url) => {
        if (++checks === 1) await ship(newer);
        return smokeGate(parseSmokeConfig("checks: [{ path: / }]", "checks"), { ...ctx, env: {} })(url);
      },
      ...ctx,
      readyTimeoutMs: 60_000,
      pollIntervalMs: 20,
    });
    await consumer.apply("grd_new_value", null);
    await consumer.verify();

    expect(sandbox.vercel.deployments.get(live())?.sha).toBe(newer);
    expect(sandbox.vercel.deployments.get(live())?.env.API_TOKEN).toBe("grd_new_value");
    const rebuilds = sandbox.github.deployments.filter(
      (d) => (d.payload as { rule?: string }).rule === "rotation rebuild",
    );
    expect(rebuilds.map((d) => [d.sha, sandbox.github.latestState(d.id)])).toEqual([
      [sandbox.app.git("rev-parse", "main~1"), "inactive"],
      [newer, "success"],
    ]);
  });
});
