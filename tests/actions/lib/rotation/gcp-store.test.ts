import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { PassThroughClient } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GcpSecretStore } from "../../../../actions/lib/rotation/gcp-store.ts";
import { RotationLockedError, rotate } from "../../../../actions/lib/rotation/rotate.ts";
import { TokenRotator } from "../../../../actions/lib/rotation/token-rotator.ts";
import { SecretManagerEmulator } from "../../../../sandbox/secret-manager-emulator.ts";
import { fastClock, recordingReporter } from "../../../helpers.ts";

let emulator: SecretManagerEmulator;
let store: GcpSecretStore;
beforeAll(async () => {
  emulator = new SecretManagerEmulator();
  await emulator.start();
  const client = new SecretManagerServiceClient({
    fallback: true,
    apiEndpoint: "127.0.0.1",
    port: emulator.port,
    protocol: "http",
    authClient: new PassThroughClient(),
    // google-gax bundles its own google-auth-library version; the client accepts ours at run time.
  } as unknown as ConstructorParameters<typeof SecretManagerServiceClient>[0]);
  store = new GcpSecretStore({ client, project: "acme-shop-prod", environment: "prod" });
});
afterAll(() => emulator.stop());

describe("GCP Secret Manager store through @google-cloud/secret-manager (REST)", () => {
  it("records roles as version aliases and progress as an annotation, and audits each step as an immutable version", async () => {
    const clock = fastClock(0);
    const opts = {
      store,
      rotator: new TokenRotator(),
      consumers: [],
      clock,
      reporter: recordingReporter(),
      graceMs: 1000,
      runId: "r1",
      actor: "ci",
      reason: "scheduled",
    };
    await rotate("api-token", opts);
    await clock.sleep(2000);
    await rotate("api-token", opts);
    const report = await rotate("api-token", opts);
    expect(report.versions).toEqual({ current: "2", pending: null, previous: "1" });
    const secret = emulator.secrets.get("projects/acme-shop-prod/secrets/prod-api-token");
    expect(secret?.versionAliases).toEqual({ current: "2", previous: "1" });
    expect(JSON.parse(secret?.annotations["garde.dev/rotation"] ?? "{}")).toMatchObject({
      step: "finished",
      lock: null,
    });
    expect(await store.value("api-token", "2")).toMatch(/^grd_/);
    const audit = emulator.secrets.get("projects/acme-shop-prod/secrets/prod-garde-rotation-audit");
    const events = (audit?.versions ?? []).map(
      (v) => JSON.parse(Buffer.from(v.data, "base64").toString()).event,
    );
    expect(events).toEqual([
      "created",
      "set",
      "tested",
      "finished",
      "revoking",
      "idle",
      "created",
      "set",
      "tested",
      "finished",
    ]);
    const values = [
      await store.value("api-token", "1").catch(() => ""),
      await store.value("api-token", "2"),
    ].filter(Boolean);
    for (const v of (audit?.versions ?? []).map((x) => Buffer.from(x.data, "base64").toString()))
      for (const value of values) expect(v).not.toContain(value);
    // Past the grace the previous version is disabled, which is how a rerun knows it was revoked.
    expect(await store.enabled("api-token", "1")).toBe(true);
    await clock.sleep(2000);
    expect((await rotate("api-token", opts)).outcome).toBe("revoked-previous");
    expect(await store.enabled("api-token", "1")).toBe(false);
    expect(await store.enabled("api-token", "2")).toBe(true);
  });

  it("refuses a write made on a stale etag: two runs cannot interleave", async () => {
    const snap = await store.snapshot("db");
    await store.update(
      "db",
      snap.etag,
      { current: null, pending: null, previous: null },
      { ...snap.state, reason: "first" },
    );
    await expect(
      store.update("db", snap.etag, { current: null, pending: null, previous: null }, snap.state),
    ).rejects.toThrow(/changed under this run/);
    const clock = fastClock(0);
    const results = await Promise.allSettled(
      ["a", "b"].map((runId) =>
        rotate("db", {
          store,
          rotator: new TokenRotator(),
          consumers: [],
          clock,
          reporter: recordingReporter(),
          graceMs: 0,
          runId,
          actor: "ci",
          reason: "x",
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(
      results.filter((r) => r.status === "rejected" && r.reason instanceof RotationLockedError),
    ).toHaveLength(1);
  });
});
