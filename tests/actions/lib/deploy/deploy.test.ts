import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDeployConfig } from "../../../../actions/lib/deploy/config.ts";
import { planFor, runDeploy } from "../../../../actions/lib/deploy/run.ts";
import { CheckFailedError } from "../../../../actions/lib/errors.ts";
import { type Sandbox, startSandbox } from "../../../../sandbox/sandbox.ts";
import { fastClock, fastRetry, recordingReporter } from "../../../helpers.ts";

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ buildMs: 60, promoteMs: 30 });
});
afterEach(() => sandbox.stop());

async function deployPush(branch: string, sha: string, opts: { extra?: Record<string, string> } = {}) {
  const config = parseDeployConfig(
    sandbox.inputs({ sha, "staging-alias": "staging.example.com", ...opts.extra }),
  );
  const plan = planFor({ event: "push", ref: `refs/heads/${branch}` }, config);
  const reporter = recordingReporter();
  const result = await runDeploy(config, plan, {
    reporter,
    clock: fastClock(),
    retry: fastRetry,
    env: {},
  });
  return { result, reporter };
}

const liveProduction = () => [...sandbox.vercel.projects.values()][0]?.productionDeploymentId ?? null;

describe("deploy pipeline on the sandbox", () => {
  it("puts develop on staging behind the alias and records the GitHub deployment as success", async () => {
    const sha = sandbox.app.git("rev-parse", "develop");
    const { result } = await deployPush("develop", sha);
    expect(result.environment).toBe("staging");
    expect(result.environmentUrl).toBe("https://staging.example.com");
    expect(sandbox.vercel.aliasTarget("staging.example.com")).toBe(result.deploymentId);
    expect(sandbox.github.latestState(result.githubDeploymentId)).toBe("success");
    expect((await fetch(result.url)).status).toBe(200);

    const next = sandbox.app.commit("develop", { "public/new.html": "new" }, "more");
    const second = await deployPush("develop", next);
    expect(second.result.previousDeploymentId).toBe(result.deploymentId);
  });

  it("stages main, checks it, then promotes it, reporting the deployment it replaced", async () => {
    const first = await deployPush("main", sandbox.app.git("rev-parse", "main"));
    expect(first.result.promoted).toBe(true);
    expect(liveProduction()).toBe(first.result.deploymentId);
    expect(first.result.gateSummary).toBe("1/1 checks passed");
    expect(first.result.smoke?.checks[0]).toMatchObject({ name: "home", status: 200, passed: true });

    const sha = sandbox.app.commit("main", { "public/index.html": "<h1>v2</h1>" }, "v2", "main");
    const second = await deployPush("main", sha);
    expect(second.result.previousDeploymentId).toBe(first.result.deploymentId);
    expect(liveProduction()).toBe(second.result.deploymentId);
    expect(sandbox.github.latestState(second.result.githubDeploymentId)).toBe("success");
  });

  it("never promotes a staged build that fails its check, and records the failure", async () => {
    const good = await deployPush("main", sandbox.app.git("rev-parse", "main"));
    const sha = sandbox.app.commit("main", { "public/index.html": "<h1>bad</h1>" }, "bad", "main");
    const smoke =
      "retries: { attempts: 1 }\nchecks:\n  - name: home\n    path: /\n    expect: { bodyContains: good }\n";
    const err = await deployPush("main", sha, { extra: { "smoke-config-inline": smoke } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CheckFailedError);
    expect((err as Error).message).toMatch(
      /failed its checks and was not promoted: 0\/1 checks passed; first failure: home: body does not contain "good"/,
    );
    expect(liveProduction()).toBe(good.result.deploymentId);
    const record = sandbox.github.deployments.at(-1);
    expect(record && sandbox.github.latestState(record.id)).toBe("failure");
  });

  it("keeps the staging alias on the last good build when a new one fails its checks", async () => {
    const smoke =
      "retries: { attempts: 1 }\nchecks:\n  - path: /healthz\n    expect: { json: [{ pointer: /status, equals: ok }] }\n";
    const good = await deployPush("develop", sandbox.app.git("rev-parse", "develop"), {
      extra: { "smoke-config-inline": smoke },
    });
    const sha = sandbox.app.commit("develop", { "public/healthz": '{"status":"degraded"}' }, "break health");
    const err = await deployPush("develop", sha, { extra: { "smoke-config-inline": smoke } }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /did not take the staging alias: .*JSON \/status is "degraded", expected "ok"/,
    );
    expect(sandbox.vercel.aliasTarget("staging.example.com")).toBe(good.result.deploymentId);
  });

  it("records a failed build as a failed GitHub deployment", async () => {
    sandbox.vercel.failNextBuild({ kind: "error", message: "Build failed: missing env DATABASE_URL" });
    const err = await deployPush("develop", sandbox.app.git("rev-parse", "develop")).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/ended in ERROR: Build failed: missing env DATABASE_URL/);
    const record = sandbox.github.deployments.at(-1);
    const statuses = record ? (sandbox.github.statuses.get(record.id) ?? []) : [];
    expect(statuses.map((s) => s.state)).toEqual(["in_progress", "failure"]);
    expect(statuses[1]?.description).toMatch(/ended in ERROR/);
  });

  it("refuses when the pinned environment disagrees with the route, before touching any platform", async () => {
    const config = parseDeployConfig(sandbox.inputs({ sha: "b".repeat(40), environment: "production" }));
    expect(() => planFor({ event: "push", ref: "refs/heads/develop" }, config)).toThrow(
      /The input environment is production, but push to develop deploys to staging/,
    );
    expect(sandbox.vercel.router.requests).toHaveLength(0);
    expect(sandbox.github.router.requests).toHaveLength(0);
  });
});

const liveSha = () => sandbox.vercel.deployments.get(liveProduction() ?? "")?.sha;
const productionHtml = async () =>
  (await fetch(`http://${sandbox.vercel.deployments.get(liveProduction() ?? "")?.host}/`)).text();

describe("two production deploys at once", () => {
  it("an older commit deployed after a newer one is not promoted over it: superseded, exit 0", async () => {
    const older = sandbox.app.commit("main", { "public/index.html": "<h1>v1</h1>" }, "v1", "main");
    const newer = sandbox.app.commit("main", { "public/index.html": "<h1>v2</h1>" }, "v2", "main");
    const first = await deployPush("main", newer);
    const second = await deployPush("main", older);
    expect(second.result).toMatchObject({ promoted: false, superseded: newer });
    expect(second.reporter.lines.join("\n")).toMatch(/which already contains .*was not promoted over it/);
    expect(liveProduction()).toBe(first.result.deploymentId);
    expect(liveSha()).toBe(newer);
    expect(await productionHtml()).toContain("v2");
    const record = sandbox.github.statuses.get(second.result.githubDeploymentId)?.at(-1);
    expect(record).toMatchObject({ state: "inactive" });
    expect(record?.description).toMatch(/^garde superseded: production serves [0-9a-f]{12}, newer than/);
  });

  for (const order of ["older first", "newer first"] as const) {
    it(`racing (${order}), the newer SHA ends live`, async () => {
      const older = sandbox.app.commit("main", { "public/index.html": "<h1>v1</h1>" }, "v1", "main");
      const newer = sandbox.app.commit("main", { "public/index.html": "<h1>v2</h1>" }, "v2", "main");
      const shas = order === "older first" ? [older, newer] : [newer, older];
      const results = await Promise.all(shas.map((sha) => deployPush("main", sha)));
      expect(liveSha()).toBe(newer);
      expect(await productionHtml()).toContain("v2");
      const promotes = sandbox.vercel.router.requests.filter(
        (r) => r.method === "POST" && r.path.includes("/promote/"),
      );
      // The older either went first (then the newer replaced it) or was superseded.
      expect(promotes.length).toBeLessThanOrEqual(2);
      const olderResult = results[shas.indexOf(older)]?.result;
      expect(olderResult?.superseded === newer || olderResult?.promoted).toBe(true);
      const leases = [...sandbox.github.statuses.values()]
        .flat()
        .filter((st) => st.description.startsWith("garde lease: "));
      expect(leases.length).toBeGreaterThanOrEqual(2);
    });
  }
});
