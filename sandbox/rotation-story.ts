/**
 * The story's last act: rotate the database credential and the app's API token while load
 * generators use both, and count what was served and what failed.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type pg from "pg";
import type { Reporter } from "../actions/lib/reporter.ts";
import { systemClock } from "../actions/lib/reporter.ts";
import { rotationConfigSchema } from "../actions/lib/rotation/config.ts";
import { EncryptedFileStore } from "../actions/lib/rotation/file-store.ts";
import { vercelRotationAccess } from "../actions/lib/rotation/inputs.ts";
import { PostgresRotator } from "../actions/lib/rotation/postgres-rotator.ts";
import { rotate } from "../actions/lib/rotation/rotate.ts";
import { runRotation } from "../actions/lib/rotation/run.ts";
import { parseSmokeConfig } from "../actions/lib/smoke/config.ts";
import { DrainingPool } from "./draining-pool.ts";
import { createAppRoles, startPostgres } from "./postgres.ts";
import type { Sandbox } from "./sandbox.ts";

export async function rotationStory(sandbox: Sandbox, reporter: Reporter, dir: string): Promise<void> {
  const db = await startPostgres();
  const app = new DrainingPool({ drainMs: 500, probe: "SELECT count(*) FROM visits" });
  try {
    await createAppRoles(db.adminUrl, "visits");
    const store = new EncryptedFileStore(join(dir, "secrets.enc"), randomBytes(32));
    const dbOptions = {
      store,
      rotator: new PostgresRotator({ adminUrl: db.adminUrl, roles: ["app_blue", "app_green"] as const }),
      consumers: [app],
      clock: systemClock,
      reporter,
      graceMs: 0,
      runId: "sandbox",
      actor: "sandbox",
      reason: "quarterly rotation",
    };
    const token = tokenRotation(sandbox, reporter, dir, store);

    // First keys: the database login and the API token the clients use.
    await rotate("database", dbOptions);
    const firstToken = await token.run();

    const load = startLoad(sandbox, app, store);
    await new Promise((r) => setTimeout(r, 300));
    await rotate("database", dbOptions); // retire the previous login (zero grace here)
    const db1 = await rotate("database", dbOptions);
    // The token's grace is zero too: this run revokes the value before it (a rollback to a build
    // made with it would rebuild that build with today's token, so nothing holds it back).
    const retire = await token.run();
    await new Promise((r) => setTimeout(r, 300));
    const { counts, seconds } = await load.stop();

    const role = PostgresRotator.roleOf(await store.value("database", db1.versions.current as string));
    console.log(`    ✓ database credential: ${db1.steps.join(" → ")}; the app now logs in as ${role}`);
    const first = firstToken.reports[0];
    if (!first) throw new Error("the API token was not rotated");
    console.log(
      `    ✓ API token api-token (Vercel API_TOKEN, the old one kept as API_TOKEN_PREVIOUS): ${first.steps.join(" → ")}; version ${first.versions.current} is current, production rebuilt with it and checked before promotion`,
    );
    const retired = retire.reports[0];
    console.log(
      retired?.outcome === "revoked-previous"
        ? `      after the grace: the value before it revoked (${retired.steps.join(" → ")}), production rebuilt without API_TOKEN_PREVIOUS`
        : `      after the grace: ${retired?.outcome ?? "not run"}`,
    );
    console.log(
      `      during ${seconds} s of load: database ${counts.db.ok} queries served, ${counts.db.failed} failed; API ${counts.api.ok} requests served, ${counts.api.failed} failed`,
    );
    console.log(
      `      audit: ${store.auditTrail().length} records (who, why, when, which versions), no value in any`,
    );
    if (counts.db.failed || counts.api.failed) throw new Error("requests failed during the rotation");
  } finally {
    await app.close();
    db.stop();
  }
}

/** The API token of the sample app's Vercel project, rotated as rotate-keys would: one run each call. */
function tokenRotation(sandbox: Sandbox, reporter: Reporter, dir: string, store: EncryptedFileStore) {
  const config = rotationConfigSchema.parse({
    store: { type: "file", path: join(dir, "secrets.enc") },
    graceHours: 0,
    secrets: [
      {
        name: "api-token",
        kind: "token",
        consumers: [{ vercel: { key: "API_TOKEN", previousKey: "API_TOKEN_PREVIOUS" } }],
      },
    ],
  });
  const deps = {
    reporter,
    env: {},
    platform: vercelRotationAccess(sandbox.platformInputs()),
    smoke: parseSmokeConfig(
      "retries: { attempts: 2, backoff: 100ms }\nchecks:\n  - { path: /api/key-check, headers: { Authorization: 'Bearer ${API_TOKEN}' } }\n",
      "rotation checks",
    ),
    store,
    pollIntervalMs: 50,
  };
  const request = {
    secrets: ["api-token"],
    reason: "quarterly rotation",
    dryRun: false,
    actor: "sandbox",
    runId: "sandbox",
  };
  return { run: () => runRotation(config, request, deps) };
}

/**
 * Clients that never stop while keys change: four writing to the database through the app's
 * pool, two calling the API with the token they last read from the store.
 */
function startLoad(sandbox: Sandbox, app: DrainingPool, store: EncryptedFileStore) {
  let stopped = false;
  const counts = { db: { ok: 0, failed: 0 }, api: { ok: 0, failed: 0 } };
  const dbWorker = async () => {
    while (!stopped) {
      try {
        await (app.pool as pg.Pool).query("INSERT INTO visits DEFAULT VALUES");
        counts.db.ok++;
      } catch {
        counts.db.failed++;
      }
    }
  };
  const apiWorker = async () => {
    while (!stopped) {
      // A client holds the token it last read, and reads the store again now and then.
      const snap = await store.snapshot("api-token");
      const token = await store.value("api-token", snap.current as string);
      for (let i = 0; i < 20 && !stopped; i++) {
        const live = [...sandbox.vercel.projects.values()][0]?.productionDeploymentId as string;
        const host = sandbox.vercel.deployments.get(live)?.host;
        const response = await fetch(`http://${host}/api/key-check`, {
          headers: { authorization: `Bearer ${token}` },
        }).catch(() => null);
        if (response?.status === 200) counts.api.ok++;
        else counts.api.failed++;
        await response?.body?.cancel();
      }
    }
  };
  const started = performance.now();
  const workers = [...Array.from({ length: 4 }, dbWorker), ...Array.from({ length: 2 }, apiWorker)];
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      return { counts, seconds: ((performance.now() - started) / 1000).toFixed(1) };
    },
  };
}
