import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CheckFailedError } from "../../../../actions/lib/errors.ts";
import { parseRollbackConfig } from "../../../../actions/lib/rollback/config.ts";
import { knownGoodDescription } from "../../../../actions/lib/rollback/known-good.ts";
import { loadRotationConfig } from "../../../../actions/lib/rotation/config.ts";
import { EncryptedFileStore } from "../../../../actions/lib/rotation/file-store.ts";
import { vercelRotationAccess } from "../../../../actions/lib/rotation/inputs.ts";
import { runRotation } from "../../../../actions/lib/rotation/run.ts";
import { parseSmokeConfig } from "../../../../actions/lib/smoke/config.ts";
import { type Sandbox, startSandbox } from "../../../../sandbox/sandbox.ts";
import { shipToProduction } from "../../../../sandbox/ship.ts";
import { fastClock, fastRetry, recordingReporter, sandboxRecords } from "../../../helpers.ts";

const SMOKE = parseSmokeConfig(
  "retries: { attempts: 1 }\nchecks:\n  - { name: api accepts the token, path: /api/key-check, headers: { Authorization: 'Bearer ${API_TOKEN}' }, expect: { status: 200 } }\n",
  "rotation smoke",
);

let sandbox: Sandbox;
let work: string;
beforeEach(async () => {
  sandbox = await startSandbox({ buildMs: 40, promoteMs: 20 });
  work = mkdtempSync(join(tmpdir(), "garde-vercel-rotation-"));
  const sha = sandbox.app.git("rev-parse", "main");
  await shipToProduction(sandbox.inputs({ sha }), {
    reporter: recordingReporter(),
    clock: fastClock(),
    retry: fastRetry,
    env: {},
  });
});
afterEach(async () => {
  await sandbox.stop();
  rmSync(work, { recursive: true, force: true });
});

function setup() {
  const file = join(work, "rotation.yml");
  writeFileSync(
    file,
    `store: { type: file, path: ${join(work, "secrets.enc")} }\ngraceHours: 24\nsecrets:\n  - name: api-token\n    kind: token\n    consumers:\n      - vercel: { key: API_TOKEN, previousKey: API_TOKEN_PREVIOUS }\n`,
  );
  const config = loadRotationConfig(file);
  const store = new EncryptedFileStore(join(work, "secrets.enc"), Buffer.alloc(32, 3));
  const reporter = recordingReporter();
  const deps = {
    reporter,
    env: {},
    clock: fastClock(),
    platform: vercelRotationAccess(sandbox.platformInputs()),
    smoke: SMOKE,
    store,
    pollIntervalMs: 20,
  };
  return { config, store, reporter, deps };
}

const live = (s: Sandbox) => [...s.vercel.projects.values()][0]?.productionDeploymentId as string;
const liveEnv = (s: Sandbox) => s.vercel.deployments.get(live(s))?.env ?? {};

async function keyCheck(s: Sandbox, token: string): Promise<number> {
  const host = s.vercel.deployments.get(live(s))?.host;
  return (await fetch(`http://${host}/api/key-check`, { headers: { authorization: `Bearer ${token}` } }))
    .status;
}

describe("rotating an API token consumed by a Vercel app", () => {
  it("sets the sensitive variable, rebuilds, checks with the new token, promotes; both tokens work in the overlap", async () => {
    const { config, store, deps } = setup();
    const request = { secrets: ["api-token"], reason: "quarterly", dryRun: false, actor: "ops", runId: "r1" };
    const before = live(sandbox);
    await runRotation(config, request, deps);
    const first = await store.value("api-token", "1");
    expect(live(sandbox)).not.toBe(before);
    expect(liveEnv(sandbox).API_TOKEN).toBe(first);
    expect(await keyCheck(sandbox, first)).toBe(200);

    await deps.clock.sleep(25 * 3_600_000);
    await runRotation(config, request, deps); // past the grace: the previous one is retired
    await runRotation(config, request, deps);
    const second = await store.value("api-token", "2");
    expect(await keyCheck(sandbox, second)).toBe(200);
    expect(await keyCheck(sandbox, first)).toBe(200); // the overlap: still accepted
    expect(await keyCheck(sandbox, "grd_forged")).toBe(401);
    expect(sandbox.vercel.envOf(sandbox.project)).toMatchObject({
      API_TOKEN: second,
      API_TOKEN_PREVIOUS: first,
    });
  });

  it("revokes for real once the grace has passed: production is rebuilt without API_TOKEN_PREVIOUS and answers 401 to the old token", async () => {
    const { config, store, deps } = setup();
    const request = { secrets: ["api-token"], reason: "quarterly", dryRun: false, actor: "ops", runId: "r1" };
    await runRotation(config, request, deps);
    await deps.clock.sleep(25 * 3_600_000);
    await runRotation(config, request, deps); // nothing before the first token to revoke
    await runRotation(config, request, deps);
    const [old, current] = [await store.value("api-token", "1"), await store.value("api-token", "2")];
    expect(await keyCheck(sandbox, old)).toBe(200); // the overlap
    const before = live(sandbox);

    await deps.clock.sleep(25 * 3_600_000);
    const { reports } = await runRotation(config, request, deps);
    expect(reports[0]).toMatchObject({ outcome: "revoked-previous", steps: ["revoking", "idle"] });
    expect(live(sandbox)).not.toBe(before);
    expect(sandbox.vercel.envOf(sandbox.project)).toEqual({ API_TOKEN: current });
    expect(liveEnv(sandbox)).not.toHaveProperty("API_TOKEN_PREVIOUS");
    expect(await keyCheck(sandbox, old)).toBe(401);
    expect(await keyCheck(sandbox, current)).toBe(200);
    await expect(store.value("api-token", "1")).rejects.toThrow(/disabled/);
  });

  it("when the rebuilt app refuses the new token, discards it and never promotes: production and current untouched", async () => {
    const { config, store, deps } = setup();
    const request = { secrets: ["api-token"], reason: "incident", dryRun: false, actor: "ops", runId: "r1" };
    await runRotation(config, request, deps);
    await deps.clock.sleep(25 * 3_600_000);
    await runRotation(config, request, deps);
    const serving = live(sandbox);
    const current = await store.value("api-token", "1");
    // The rebuild does not pick up the new variable: its API answers 401 to the new token.
    sandbox.vercel.failNextBuild({ kind: "no-env" });
    const err = await runRotation(config, request, deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect((err as Error).message).toMatch(
      /Rotation of api-token stopped: the new value was refused \(the rebuilt deployment dpl_\w+ failed its checks: 0\/1 checks passed; first failure: api accepts the token: status 401, expected 200\)\. It was discarded/,
    );
    expect(live(sandbox)).toBe(serving);
    expect(await keyCheck(sandbox, current)).toBe(200);
    expect(sandbox.vercel.envOf(sandbox.project).API_TOKEN).toBe(current);
    expect((await store.snapshot("api-token")).current).toBe("1");
  });

  it("plans without changing anything on a dry run, and picks only what is due", async () => {
    const { config, deps } = setup();
    const dry = await runRotation(
      config,
      { secrets: "due", reason: "scheduled", dryRun: true, actor: "cron", runId: "r" },
      deps,
    );
    expect(dry).toEqual({
      planned: [{ secret: "api-token", step: "idle", due: true, rotatedAt: null }],
      reports: [],
    });
    expect(sandbox.vercel.envOf(sandbox.project)).toEqual({});
    await runRotation(
      config,
      { secrets: "due", reason: "scheduled", dryRun: false, actor: "cron", runId: "r" },
      deps,
    );
    await deps.clock.sleep(25 * 3_600_000);
    await runRotation(
      config,
      { secrets: "due", reason: "scheduled", dryRun: false, actor: "cron", runId: "r" },
      deps,
    ); // retire the previous
    const again = await runRotation(
      config,
      { secrets: "due", reason: "scheduled", dryRun: false, actor: "cron", runId: "r" },
      deps,
    );
    expect(again.planned[0]?.due).toBe(false);
    expect(again.reports).toEqual([]);
  });
});

describe("revocation and rollback", () => {
  it("revokes even while a known-good build from before the rotation holds the old token: rolling back there rebuilds it with today's", async () => {
    const github = sandboxRecords(sandbox);
    const { config, store, deps } = setup();
    const request = { secrets: ["api-token"], reason: "quarterly", dryRun: false, actor: "ops", runId: "r1" };
    const rotateAndRetire = async () => {
      await runRotation(config, request, deps);
      await deps.clock.sleep(25 * 3_600_000);
      return runRotation(config, request, deps);
    };
    await rotateAndRetire();
    const token1 = await store.value("api-token", (await store.snapshot("api-token")).current as string);
    // The release running token 1 is watched and becomes known-good.
    const oldBuild = live(sandbox);
    const record = sandbox.github.deployments.find(
      (d) => (d.payload as { targetDeploymentId?: string }).targetDeploymentId === oldBuild,
    );
    await github.setStatus(record?.id as number, "success", { description: knownGoodDescription("watched") });

    const retired = await rotateAndRetire();
    const token2 = await store.value("api-token", (await store.snapshot("api-token")).current as string);
    expect(retired.reports[0]).toMatchObject({ outcome: "revoked-previous" });
    expect(await keyCheck(sandbox, token1)).toBe(401);
    expect(await keyCheck(sandbox, token2)).toBe(200);

    // A release manager rolls back to the known-good build that still holds token 1.
    const rollbackConfig = parseRollbackConfig({
      ...sandbox.platformInputs(),
      "smoke-config-inline": "retries: { attempts: 1 }\nchecks: [{ path: / }]\n",
      to: oldBuild,
      reason: "back to the last watched release",
    });
    const { runRollback } = await import("../../../../actions/lib/rollback/run.ts");
    const outcome = await runRollback(rollbackConfig, {
      reporter: recordingReporter(),
      env: {},
      clock: fastClock(),
      retry: fastRetry,
    });
    expect(outcome.rebuiltFrom).toBe(oldBuild);
    expect(live(sandbox)).not.toBe(oldBuild);
    expect(await keyCheck(sandbox, token2)).toBe(200);
    expect(await keyCheck(sandbox, token1)).toBe(401);
  });
});

describe("rotating a GitHub Actions secret", () => {
  it("seals the new value with the repository key; a workflow would read exactly the current value", async () => {
    const file = join(work, "rotation-gh.yml");
    writeFileSync(
      file,
      `store: { type: file, path: ${join(work, "gh.enc")} }\nsecrets:\n  - name: deploy-token\n    kind: token\n    consumers: [{ githubSecret: { name: DEPLOY_TOKEN } }]\n`,
    );
    const store = new EncryptedFileStore(join(work, "gh.enc"), Buffer.alloc(32, 5));
    const deps = {
      reporter: recordingReporter(),
      env: {},
      clock: fastClock(),
      platform: vercelRotationAccess(sandbox.platformInputs()),
      smoke: SMOKE,
      store,
    };
    await runRotation(
      loadRotationConfig(file),
      { secrets: ["deploy-token"], reason: "new token", dryRun: false, actor: "ops", runId: "r" },
      deps,
    );
    const value = await store.value("deploy-token", "1");
    expect(sandbox.github.openSecret("DEPLOY_TOKEN")).toBe(value);
    expect(sandbox.github.actionsSecrets.get("DEPLOY_TOKEN")?.encrypted).not.toContain(value);
  });

  it("keeps the previous value under previousName through the grace, then deletes that secret", async () => {
    const file = join(work, "rotation-gh-previous.yml");
    writeFileSync(
      file,
      `store: { type: file, path: ${join(work, "gh-previous.enc")} }\nsecrets:\n  - name: deploy-token\n    kind: token\n    consumers: [{ githubSecret: { name: DEPLOY_TOKEN, previousName: DEPLOY_TOKEN_PREVIOUS } }]\n`,
    );
    const store = new EncryptedFileStore(join(work, "gh-previous.enc"), Buffer.alloc(32, 5));
    const deps = {
      reporter: recordingReporter(),
      env: {},
      clock: fastClock(),
      platform: vercelRotationAccess(sandbox.platformInputs()),
      smoke: SMOKE,
      store,
    };
    const config = loadRotationConfig(file);
    const request = {
      secrets: ["deploy-token"],
      reason: "new token",
      dryRun: false,
      actor: "ops",
      runId: "r",
    };
    await runRotation(config, request, deps);
    await deps.clock.sleep(25 * 3_600_000);
    await runRotation(config, request, deps);
    await runRotation(config, request, deps);
    const [first, second] = [await store.value("deploy-token", "1"), await store.value("deploy-token", "2")];
    expect(sandbox.github.openSecret("DEPLOY_TOKEN")).toBe(second);
    expect(sandbox.github.openSecret("DEPLOY_TOKEN_PREVIOUS")).toBe(first);
    await deps.clock.sleep(25 * 3_600_000);
    const { reports } = await runRotation(config, request, deps);
    expect(reports[0]?.outcome).toBe("revoked-previous");
    expect(sandbox.github.actionsSecrets.has("DEPLOY_TOKEN_PREVIOUS")).toBe(false);
    expect(sandbox.github.openSecret("DEPLOY_TOKEN")).toBe(second);
  });
});
