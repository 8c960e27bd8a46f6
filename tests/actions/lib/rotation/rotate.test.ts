import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CheckFailedError } from "../../../../actions/lib/errors.ts";
import { EncryptedFileStore } from "../../../../actions/lib/rotation/file-store.ts";
import { PostgresRotator } from "../../../../actions/lib/rotation/postgres-rotator.ts";
import { type RotateOptions, RotationLockedError, rotate } from "../../../../actions/lib/rotation/rotate.ts";
import type { Consumer } from "../../../../actions/lib/rotation/rotator.ts";
import type { Step } from "../../../../actions/lib/rotation/store.ts";
import { TokenRotator } from "../../../../actions/lib/rotation/token-rotator.ts";
import { type LocalPostgres, startPostgres } from "../../../../sandbox/postgres.ts";
import { fastClock, recordingReporter } from "../../../helpers.ts";

let db: LocalPostgres;
let work: string;
beforeAll(async () => {
  db = await startPostgres();
  const admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  await admin.query("CREATE ROLE app_rw NOLOGIN");
  await admin.query("CREATE ROLE app_blue LOGIN IN ROLE app_rw");
  await admin.query("CREATE ROLE app_green LOGIN IN ROLE app_rw");
  await admin.query("CREATE TABLE items (id serial PRIMARY KEY, name text)");
  await admin.query(
    "GRANT SELECT, INSERT ON items TO app_rw; GRANT USAGE ON SEQUENCE items_id_seq TO app_rw",
  );
  await admin.end();
  work = mkdtempSync(join(tmpdir(), "garde-rotation-test-"));
}, 60_000);
afterAll(() => {
  db?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The app's database pool, switched to each new credential as a consumer. */
class PoolConsumer implements Consumer {
  readonly name = "app pool";
  pool: pg.Pool | null = null;
  url: string | null = null;
  applied: string[] = [];
  refuse = false;
  async apply(value: string) {
    const old = this.pool;
    this.pool = new pg.Pool({ connectionString: value, max: 2 });
    this.url = value;
    this.applied.push(value);
    await old?.end();
  }
  async verify() {
    if (this.refuse) throw new Error("the app answered 500 with the new credential");
    await this.pool?.query("SELECT count(*) FROM items");
  }
}

let store: EncryptedFileStore;
let consumer: PoolConsumer;
let clock: ReturnType<typeof fastClock>;
let reporter: ReturnType<typeof recordingReporter>;
let n = 0;
beforeEach(() => {
  store = new EncryptedFileStore(join(work, `store-${n++}.enc`), Buffer.alloc(32, 7));
  consumer = new PoolConsumer();
  clock = fastClock(0);
  reporter = recordingReporter();
});

const options = (extra: Partial<RotateOptions> = {}): RotateOptions => ({
  store,
  rotator: new PostgresRotator({ adminUrl: db.adminUrl, roles: ["app_blue", "app_green"] }),
  consumers: [consumer],
  clock,
  reporter,
  graceMs: 60 * 60_000,
  runId: "run-1",
  actor: "release-manager",
  reason: "monthly rotation",
  ...extra,
});

async function canLogIn(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function currentValue(secret = "db") {
  const snap = await store.snapshot(secret);
  return store.value(secret, snap.current as string);
}

describe("PostgreSQL credential rotation, alternating users, on a real server", () => {
  it("rotates create → set → test → finish, keeps the previous login through the grace period, then revokes it", async () => {
    const first = await rotate("db", options());
    expect(first).toMatchObject({
      outcome: "rotated",
      steps: ["created", "set", "tested", "finished"],
      versions: { current: "1", previous: null },
    });
    const blue = await currentValue();
    expect(PostgresRotator.roleOf(blue)).toBe("app_blue");
    expect(consumer.url).toBe(blue);

    clock.sleeps.length = 0;
    await clock.sleep(2 * 60 * 60_000);
    expect((await rotate("db", options())).outcome).toBe("revoked-previous");
    const second = await rotate("db", options());
    expect(second.versions).toEqual({ current: "2", pending: null, previous: "1" });
    const green = await currentValue();
    expect(PostgresRotator.roleOf(green)).toBe("app_green");
    expect(await canLogIn(blue)).toBe(true); // still valid in the grace period

    expect((await rotate("db", options())).outcome).toBe("in-grace");
    await clock.sleep(2 * 60 * 60_000);
    expect((await rotate("db", options())).outcome).toBe("revoked-previous");
    expect(await canLogIn(blue)).toBe(false);
    expect(await canLogIn(green)).toBe(true);
    await consumer.pool?.end();
  });

  it.each(["created", "set", "tested", "finished"] as Step[])(
    "a run killed after %s resumes and ends with a working credential",
    async (killAt) => {
      await expect(
        rotate(
          "db",
          options({
            afterStep: (s) => {
              if (s === killAt) throw new Error(`killed after ${s}`);
            },
          }),
        ),
      ).rejects.toThrow(`killed after ${killAt}`);
      const resumed = await rotate("db", options({ runId: "run-2" }));
      expect(resumed.outcome === "rotated" || resumed.outcome === "in-grace").toBe(true);
      const snap = await store.snapshot("db");
      expect(snap.state.step).toBe("finished");
      const value = await currentValue();
      expect(await canLogIn(value)).toBe(true);
      expect(consumer.url).toBe(value);
      await consumer.verify();
      await consumer.pool?.end();
    },
  );

  it("discards a value a consumer refuses, gives the current one back, and exits 1", async () => {
    await rotate("db", options());
    await clock.sleep(2 * 60 * 60_000);
    await rotate("db", options()); // past the grace: idle again
    const before = await store.snapshot("db");
    const current = await currentValue();
    consumer.refuse = true;
    const err = await rotate("db", options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect((err as Error).message).toMatch(
      /^Rotation of db stopped: the new value was refused \(the app answered 500 with the new credential\)\. It was discarded; the current value is untouched\.$/,
    );
    const after = await store.snapshot("db");
    expect(after).toMatchObject({ current: before.current, pending: null, state: { step: "idle" } });
    expect(consumer.url).toBe(current);
    expect(await canLogIn(current)).toBe(true);
    await expect(store.value("db", "2")).rejects.toThrow(/disabled/);
    // The refused login was made on the server: it is dropped there too, not only in the store.
    const refused = consumer.applied.at(-2) as string;
    expect(PostgresRotator.roleOf(refused)).not.toBe(PostgresRotator.roleOf(current));
    expect(await canLogIn(refused)).toBe(false);
    await consumer.pool?.end();
  });

  it("never lets two runs interleave: the second refuses while the first holds the secret", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const first = rotate("db", options({ afterStep: (s) => (s === "created" ? held : undefined) }));
    await new Promise((r) => setTimeout(r, 200));
    const err = await rotate("db", options({ runId: "run-2" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RotationLockedError);
    expect((err as Error).message).toMatch(
      /^Secret db is being rotated by run run-1, holding it since .*; its lease runs until .* \(step created\); this run refuses rather than interleave/,
    );
    release();
    expect((await first).outcome).toBe("rotated");
    // and two runs starting at the same instant: exactly one gets the secret
    await clock.sleep(2 * 60 * 60_000);
    await rotate("db", options());
    const results = await Promise.allSettled([
      rotate("db", options({ runId: "a" })),
      rotate("db", options({ runId: "b" })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(
      results.filter((r) => r.status === "rejected" && r.reason instanceof RotationLockedError),
    ).toHaveLength(1);
    await consumer.pool?.end();
  });

  it("keeps every value out of logs, the audit trail, errors and the store file", async () => {
    await rotate("db", options());
    consumer.refuse = true;
    await clock.sleep(2 * 60 * 60_000);
    await rotate("db", options());
    const err = await rotate("db", options()).catch((e: unknown) => (e as Error).message);
    const values = ["1", "2"].map((v) => store.value("db", v).catch(() => null));
    const known = (await Promise.all(values)).filter((v): v is string => v !== null);
    const passwords = known.map((u) => decodeURIComponent(new URL(u).password));
    expect(passwords.length).toBeGreaterThan(0);
    const visible = [
      reporter.lines.join("\n"),
      JSON.stringify(store.auditTrail()),
      String(err),
      readFileSync(join(work, `store-${n - 1}.enc`)).toString("latin1"),
    ].join("\n");
    for (const p of passwords) expect(visible).not.toContain(p);
    const trail = store.auditTrail();
    expect(trail.map((a) => a.event)).toEqual([
      "created",
      "set",
      "tested",
      "finished",
      "revoking",
      "idle",
      "created",
      "set",
      "idle",
    ]);
    expect(trail[0]).toMatchObject({
      secret: "db",
      actor: "release-manager",
      reason: "monthly rotation",
      versions: { pending: "1" },
    });
    await consumer.pool?.end();
  });
});

describe("API token rotation", () => {
  it("rotates a generated token, current and previous both readable during the overlap", async () => {
    const o = { rotator: new TokenRotator(), consumers: [] };
    await rotate("api-token", options(o));
    await clock.sleep(2 * 60 * 60_000);
    await rotate("api-token", options(o));
    const second = await rotate("api-token", options(o));
    expect(second.versions).toEqual({ current: "2", pending: null, previous: "1" });
    const [cur, prev] = await Promise.all([store.value("api-token", "2"), store.value("api-token", "1")]);
    expect(cur).toMatch(/^grd_[\w-]{43}$/);
    expect(prev).not.toBe(cur);
  });
});

/** An OAuth issuer's revocation endpoint (RFC 7009): records each token revoked; answers `status`. */
async function startIssuer() {
  const issuer = {
    revoked: [] as string[],
    authorization: [] as (string | undefined)[],
    status: 200,
    url: "",
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c;
    });
    req.on("end", () => {
      const form = new URLSearchParams(body);
      if (req.method !== "POST" || req.headers["content-type"] !== "application/x-www-form-urlencoded") {
        res.writeHead(400).end('{"error":"invalid_request"}');
        return;
      }
      issuer.authorization.push(req.headers.authorization);
      if (issuer.status === 200) issuer.revoked.push(form.get("token") ?? "");
      res.writeHead(issuer.status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  issuer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/revoke`;
  return { issuer, close: () => new Promise((r) => server.close(r)) };
}

describe("API token revocation at the issuer", () => {
  it("asks the issuer to revoke the previous token after the grace, and a refused new one at once", async () => {
    const { issuer, close } = await startIssuer();
    try {
      const rotator = new TokenRotator({ issuer: { url: issuer.url, authorization: "Basic Z2FyZGU6cw==" } });
      const o = { rotator, consumers: [consumer] };
      consumer.apply = async (value: string) => {
        consumer.applied.push(value);
      };
      consumer.verify = async () => {
        if (consumer.refuse) throw new Error("the app answered 401 to the new token");
      };
      await rotate("api-token", options(o));
      await clock.sleep(2 * 60 * 60_000);
      await rotate("api-token", options(o)); // nothing before the first token
      await rotate("api-token", options(o));
      expect(issuer.revoked).toEqual([]);
      await clock.sleep(2 * 60 * 60_000);
      // The issuer is down: the revocation stops at its recorded step, and says where, not what.
      issuer.status = 503;
      const err = (await rotate("api-token", options(o)).catch((e: unknown) => e)) as Error;
      const first = await store.value("api-token", "1");
      expect(err.message).toBe(
        `Failed to revoke a token at ${issuer.url}: HTTP 503, expected 200 (RFC 7009)`,
      );
      expect(err.message + reporter.lines.join("\n")).not.toContain(first);
      expect((await store.snapshot("api-token")).state).toMatchObject({ step: "revoking", lock: null });
      issuer.status = 200;
      expect((await rotate("api-token", options(o))).outcome).toBe("revoked-previous");
      expect(issuer.revoked).toEqual([first]);
      expect(issuer.authorization.at(-1)).toBe("Basic Z2FyZGU6cw==");

      consumer.refuse = true;
      await expect(rotate("api-token", options(o))).rejects.toThrow(CheckFailedError);
      const refused = consumer.applied.at(-2) as string;
      expect(refused).toMatch(/^grd_/);
      expect(issuer.revoked).toEqual([first, refused]);
    } finally {
      await close();
    }
  });
});

describe("the lease a run holds on a secret", () => {
  const me = { host: "ci-3", pid: 4242 };
  const alive = new Set<number>();
  const isAlive = (o: { pid: number }) => alive.has(o.pid);
  /** A run stopped dead after `step`: its afterStep never returns, nothing releases its lease. */
  const killedAfter = (step: Step, pid: number) => {
    alive.add(pid);
    void rotate(
      "db",
      options({
        runId: `run-${pid}`,
        owner: { host: "ci-3", pid },
        isAlive,
        heartbeat: () => () => {},
        afterStep: (s) => (s === step ? new Promise<void>(() => {}) : undefined),
      }),
    );
    return async () => {
      for (let i = 0; i < 500 && (await store.snapshot("db")).state.step !== step; i++)
        await new Promise((r) => setTimeout(r, 10));
      alive.delete(pid); // SIGKILL
    };
  };

  it("is taken over at once by a rerun on the same host when the holder's process is gone, which continues from the recorded step", async () => {
    await killedAfter("set", 1001)();
    const resumed = await rotate("db", options({ runId: "run-2", owner: me, isAlive }));
    expect(resumed.steps).toEqual(["tested", "finished"]);
    expect(reporter.lines.join("\n")).toContain(
      "warn db: taking over from run run-1001 at step set: its process 1001 on ci-3 is gone",
    );
    const snap = await store.snapshot("db");
    expect(snap.state).toMatchObject({ step: "finished", lock: null });
    const value = await currentValue();
    expect(consumer.url).toBe(value);
    expect(await canLogIn(value)).toBe(true);
    await consumer.pool?.end();
  });

  it("refuses while the holder's process runs, naming run, pid, host and since when; takes over once the lease runs out", async () => {
    const stop = killedAfter("created", 1002);
    for (let i = 0; i < 500 && (await store.snapshot("db")).state.step !== "created"; i++)
      await new Promise((r) => setTimeout(r, 10));
    const since = new Date((await store.snapshot("db")).state.lock?.startedAt as number).toISOString();
    const err = await rotate("db", options({ runId: "run-2", owner: me, isAlive })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RotationLockedError);
    expect((err as Error).message).toContain(
      `Secret db is being rotated by run run-1002 (pid 1002 on ci-3), holding it since ${since}`,
    );
    // On another host the pid says nothing: only the lease's expiry frees the secret.
    await stop();
    const elsewhere = { host: "ci-9", pid: 7 };
    await expect(rotate("db", options({ runId: "run-3", owner: elsewhere, isAlive }))).rejects.toThrow(
      RotationLockedError,
    );
    await clock.sleep(30_001);
    const resumed = await rotate("db", options({ runId: "run-3", owner: elsewhere, isAlive }));
    expect(resumed.steps).toEqual(["set", "tested", "finished"]);
    expect(reporter.lines.join("\n")).toMatch(
      /taking over from run run-1002 at step created: its lease ran out/,
    );
    await consumer.pool?.end();
  });

  it("is renewed by the heartbeat while the run works, so a long step keeps it", async () => {
    let renew: () => Promise<void> = async () => {};
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const first = rotate(
      "db",
      options({
        owner: me,
        isAlive: () => true,
        heartbeat: (r) => {
          renew = r;
          return () => {};
        },
        afterStep: (s) => (s === "created" ? held : undefined),
      }),
    );
    for (let i = 0; i < 500 && (await store.snapshot("db")).state.step !== "created"; i++)
      await new Promise((r) => setTimeout(r, 10));
    const taken = (await store.snapshot("db")).state.lock;
    await clock.sleep(25_000);
    await renew();
    await clock.sleep(25_000); // 50 s after the lease was taken, 25 s after it was renewed
    const lease = (await store.snapshot("db")).state.lock;
    expect(lease?.startedAt).toBe(taken?.startedAt);
    expect(lease?.until).toBeGreaterThan(clock.now());
    await expect(rotate("db", options({ runId: "run-2", owner: { host: "ci-9", pid: 1 } }))).rejects.toThrow(
      RotationLockedError,
    );
    release();
    expect((await first).outcome).toBe("rotated");
    await consumer.pool?.end();
  });

  it("of two reruns taking over the same dead run, exactly one gets the secret", async () => {
    await killedAfter("created", 1003)();
    const results = await Promise.allSettled([
      rotate("db", options({ runId: "a", owner: me, isAlive })),
      rotate("db", options({ runId: "b", owner: { host: "ci-3", pid: 4243 }, isAlive })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(RotationLockedError);
    expect((await store.snapshot("db")).state.step).toBe("finished");
    await consumer.pool?.end();
  });
});
