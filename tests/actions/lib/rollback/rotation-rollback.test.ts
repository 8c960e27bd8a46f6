import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exitCodeFor, PlatformError } from "../../../../actions/lib/errors.ts";
import { parseRollbackConfig } from "../../../../actions/lib/rollback/config.ts";
import { runRollback } from "../../../../actions/lib/rollback/run.ts";
import { rollbackSummaryRows } from "../../../../actions/lib/rollback/summary.ts";
import { loadRotationConfig } from "../../../../actions/lib/rotation/config.ts";
import { EncryptedFileStore } from "../../../../actions/lib/rotation/file-store.ts";
import { vercelRotationAccess } from "../../../../actions/lib/rotation/inputs.ts";
import { runRotation } from "../../../../actions/lib/rotation/run.ts";
import { parseSmokeConfig } from "../../../../actions/lib/smoke/config.ts";
import { type Sandbox, startSandbox } from "../../../../sandbox/sandbox.ts";
import { fastClock, fastRetry, recordingReporter } from "../../../helpers.ts";
import { releaseTo } from "./release.ts";

/** The checks of the bug report: they pass on a build that refuses every token. */
const SMOKE =
  "retries: { attempts: 1 }\nchecks:\n  - { name: home, path: / }\n  - { name: status, path: /api/status }\n";
const ROTATION_SMOKE = parseSmokeConfig(
  "retries: { attempts: 1 }\nchecks:\n  - { name: token, path: /api/key-check, headers: { Authorization: 'Bearer ${API_TOKEN}' } }\n",
  "rotation smoke",
);

let sandbox: Sandbox;
let work: string;
beforeEach(async () => {
  sandbox = await startSandbox({ buildMs: 40, promoteMs: 20 });
  work = mkdtempSync(join(tmpdir(), "garde-rotation-rollback-"));
});
afterEach(async () => {
  await sandbox.stop();
  rmSync(work, { recursive: true, force: true });
});

const release = (version: string, files: Record<string, string | null> = {}) =>
  releaseTo(sandbox, version, files);

/** Rotates API_TOKEN (consumed by the Vercel app) and returns the value clients now hold. */
async function rotateToken(): Promise<string> {
  const file = join(work, "rotation.yml");
  writeFileSync(
    file,
    `store: { type: file, path: ${join(work, "secrets.enc")} }\ngraceHours: 24\nsecrets:\n  - name: api-token\n    kind: token\n    consumers:\n      - vercel: { key: API_TOKEN }\n`,
  );
  const store = new EncryptedFileStore(join(work, "secrets.enc"), Buffer.alloc(32, 7));
  await runRotation(
    loadRotationConfig(file),
    { secrets: ["api-token"], reason: "quarterly", dryRun: false, actor: "ops", runId: "r1" },
    {
      reporter: recordingReporter(),
      env: {},
      clock: fastClock(),
      platform: vercelRotationAccess(sandbox.platformInputs()),
      smoke: ROTATION_SMOKE,
      store,
      pollIntervalMs: 20,
    },
  );
  const snap = await store.snapshot("api-token");
  return store.value("api-token", snap.current as string);
}

async function rollback(extra: Record<string, string>) {
  const reporter = recordingReporter();
  const config = parseRollbackConfig({
    ...sandbox.platformInputs(),
    "smoke-config-inline": SMOKE,
    "watch-window": "5s",
    "watch-interval": "1s",
    ...extra,
  });
  const outcome = await runRollback(config, { reporter, env: {}, clock: fastClock(), retry: fastRetry });
  return { outcome, reporter };
}

const live = () => [...sandbox.vercel.projects.values()][0]?.productionDeploymentId as string;
const liveHost = () => sandbox.vercel.deployments.get(live())?.host;
const keyCheck = async (token: string) =>
  (await fetch(`http://${liveHost()}/api/key-check`, { headers: { authorization: `Bearer ${token}` } }))
    .status;
const liveVersion = async () => (await (await fetch(`http://${liveHost()}/api/status`)).json()) as unknown;
const recordOf = (id: string) =>
  sandbox.github.deployments.find(
    (d) => (d.payload as { targetDeploymentId?: string }).targetDeploymentId === id,
  );

describe("rollback after a key rotation", () => {
  it("records the rotation's rebuild as a production deployment on GitHub", async () => {
    await release("1.0.0");
    await rotateToken();
    const rebuilt = recordOf(live());
    expect(rebuilt?.environment).toBe("production");
    expect(rebuilt?.payload).toMatchObject({ rule: "rotation rebuild", rotation: "API_TOKEN" });
    expect((rebuilt?.payload as { secretsSetAt?: string } | undefined)?.secretsSetAt).toMatch(
      /^\d{4}-\d\d-\d\dT/,
    );
    expect(sandbox.github.latestState(rebuilt?.id ?? -1)).toBe("success");
  });

  it("--to previous rebuilds the previous release with today's secrets: production accepts the current token", async () => {
    const v1 = await release("1.0.0");
    await release("1.1.0");
    const token = await rotateToken();
    expect(await keyCheck(token)).toBe(200);

    const { outcome } = await rollback({ to: "previous", reason: "1.1.0 breaks checkout" });
    expect(outcome.rebuiltFrom).toBe(v1);
    expect(outcome.to).not.toBe(v1);
    expect(live()).toBe(outcome.to);
    // What users notice: v1's code, and the token clients hold today is accepted.
    expect(await liveVersion()).toEqual({ version: "1.0.0" });
    expect(await keyCheck(token)).toBe(200);
    expect(outcome.timeline.map((t) => t.event).join("\n")).toMatch(
      new RegExp(`${v1} was built before the last key rotation .*rebuilding commit`),
    );
    expect(rollbackSummaryRows(outcome, null).find((r) => r[0] === "Rebuilt")?.[1]).toContain(v1);
    // A second read of GitHub: the rebuild is recorded, and restored.
    const record = recordOf(outcome.to as string);
    expect(record?.payload).toMatchObject({ rule: "rollback rebuild", rebuildOf: v1 });
    expect(sandbox.github.statuses.get(record?.id ?? -1)?.at(-1)?.description).toMatch(/^garde restored: /);
  });

  it("rolls back to the rotation's rebuild of the known-good release, not to the build it replaced", async () => {
    const v1 = await release("1.0.0");
    expect((await rollback({})).outcome.outcome).toBe("known-good");
    const token = await rotateToken();
    const rebuilt = live();
    const v2 = await release("1.1.0", { "routes.json": '{"/api/status":{"status":500}}' });
    const { outcome } = await rollback({});
    expect(outcome).toMatchObject({ outcome: "rolled-back", from: v2 });
    expect(outcome.to).toBe(rebuilt);
    expect(outcome.to).not.toBe(v1);
    expect(outcome.rebuiltFrom).toBeNull();
    expect(await keyCheck(token)).toBe(200);
  });

  it("an explicit pre-rotation build is rebuilt, never restored as it was", async () => {
    const v1 = await release("1.0.0");
    await release("1.1.0");
    const token = await rotateToken();
    const { outcome } = await rollback({ to: v1 });
    expect(outcome.rebuiltFrom).toBe(v1);
    expect(live()).not.toBe(v1);
    expect(await keyCheck(token)).toBe(200);
  });
});

describe("finding the rollback target during an outage", () => {
  it("is the vendor's failure (exit 1, its error), not 'nothing to roll back to' (exit 2)", async () => {
    const v1 = await release("1.0.0");
    await release("1.1.0");
    sandbox.vercel.router.inject({ method: "GET", path: `/v13/deployments/${v1}`, status: 503, times: 100 });
    const err = await rollback({ to: v1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(exitCodeFor(err)).toBe(1);
    expect((err as Error).message).toMatch(new RegExp(`Failed to read deployment ${v1} .*HTTP 503`));
  });
});
