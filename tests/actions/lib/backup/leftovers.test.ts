import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectoryStore } from "../../../../actions/lib/backup/file-store.ts";
import { backupId } from "../../../../actions/lib/backup/manifest.ts";
import { planPrune, pruneBackups } from "../../../../actions/lib/backup/retention.ts";
import type { BackupStore } from "../../../../actions/lib/backup/store.ts";
import { isAliveHere, thisProcess } from "../../../../actions/shared/process-owner.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-04T12:00:00Z");

describe("a drill record garde cannot read protects like a passing one", () => {
  const backups = (drills: (boolean | null)[]) =>
    drills.map((drillPassed, i) => ({ id: `b${i}`, takenAt: NOW - i * DAY, drillPassed }));

  it("keeps an unreadable drill and everything younger when no drill is known to pass", () => {
    // newest first: b0 none, b1 none, b2 unknown, b3 none, b4 unknown, b5 none
    const plan = planPrune(backups([false, false, null, false, null, false]), {
      daily: 1,
      weekly: 0,
      monthly: 0,
    });
    expect(plan.prune).toEqual(["b5"]);
    expect(plan.keep.find((k) => k.id === "b4")?.why).toEqual([
      "its drill record could not be read: it may be the newest proven restore",
    ]);
  });

  it("needs nothing older than the newest known pass, unknown or not", () => {
    const plan = planPrune(backups([false, null, true, null, false]), { daily: 1, weekly: 0, monthly: 0 });
    expect(plan.prune).toEqual(["b3", "b4"]);
  });
});

describe("pruning through a store that fails mid-read", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "garde-leftovers-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function seed(store: BackupStore, count: number, drilled: number[]) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const takenAt = NOW - i * DAY;
      const id = backupId(takenAt, `00000${i}`);
      ids.push(id);
      const manifest = {
        format: "garde-backup/1",
        id,
        database: "app",
        serverVersion: "15",
        startedAt: new Date(takenAt).toISOString(),
        endedAt: new Date(takenAt).toISOString(),
        dump: { name: "dump.pgc", size: 1, sha256: "0".repeat(64) },
        rowCounts: {},
        gardeVersion: "0.1.0",
      };
      await store.put(`${id}/dump.pgc`, Readable.from(["x"]));
      if (drilled.includes(i))
        await store.put(`${id}/drill.json`, Readable.from([JSON.stringify({ passed: true })]));
      await store.put(`${id}/manifest.json`, Readable.from([JSON.stringify(manifest)]));
    }
    return ids;
  }

  it("keeps the newest drilled backup when its drill.json cannot be read (an outage), and deletes nothing younger", async () => {
    const inner = new DirectoryStore(pathToFileURL(dir).href);
    const ids = await seed(inner, 6, [3]);
    const flaky: BackupStore = {
      url: inner.url,
      put: (n, s) => inner.put(n, s),
      list: (p) => inner.list(p),
      delete: (n) => inner.delete(n),
      exists: () => inner.exists(),
      get: async (n) => {
        if (n.endsWith("/drill.json"))
          throw Object.assign(new Error("503 Service Unavailable"), { code: 503 });
        return inner.get(n);
      },
    };
    const plan = await pruneBackups(flaky, { daily: 1, weekly: 0, monthly: 0 }, { dryRun: false, now: NOW });
    expect(plan.prune).toEqual([ids[4], ids[5]]);
    // A second read of the store: the drilled backup and all younger ones are still whole.
    for (const id of ids.slice(0, 4)) expect(await inner.list(`${id}/`)).toContain(`${id}/manifest.json`);
    expect(await inner.list(`${ids[3]}/`)).toContain(`${ids[3]}/drill.json`);
  });

  it("removes what killed runs left (a dump with no manifest a day on, a dead writer's temp file), and nothing a live run writes", async () => {
    const store = new DirectoryStore(pathToFileURL(dir).href, {
      owner: thisProcess(),
      isAlive: isAliveHere,
    });
    await seed(store, 1, [0]);
    const killedLongAgo = backupId(NOW - 2 * DAY, "dead01");
    const runningNow = backupId(NOW - 60_000, "live01");
    for (const id of [killedLongAgo, runningNow]) await store.put(`${id}/dump.pgc`, Readable.from(["half"]));
    // A temp file of a process that is gone (a pid that exited), and one of this live process.
    const exited = spawnSync(process.execPath, ["-e", "0"]).pid;
    mkdirSync(join(dir, runningNow), { recursive: true });
    writeFileSync(join(dir, runningNow, `.partial-${hostname()}-${exited}-0123456789ab`), "x");
    writeFileSync(join(dir, runningNow, `.partial-${hostname()}-${process.pid}-ba9876543210`), "x");
    // Another host's temp file is left alone until nobody wrote to it for a day.
    writeFileSync(join(dir, runningNow, ".partial-other-host-1-aaaaaaaaaaaa"), "x");
    writeFileSync(join(dir, runningNow, ".partial-other-host-2-bbbbbbbbbbbb"), "x");
    const old = (NOW - 2 * DAY) / 1000;
    utimesSync(join(dir, runningNow, ".partial-other-host-2-bbbbbbbbbbbb"), old, old);

    const dry = await pruneBackups(store, { daily: 7, weekly: 0, monthly: 0 }, { dryRun: true, now: NOW });
    expect(dry.leftovers).toEqual([`${killedLongAgo}/`]);
    expect(await store.list(`${killedLongAgo}/`)).toHaveLength(1);

    const plan = await pruneBackups(store, { daily: 7, weekly: 0, monthly: 0 }, { dryRun: false, now: NOW });
    expect(plan.leftovers.sort()).toEqual(
      [
        `${killedLongAgo}/`,
        `${runningNow}/.partial-${hostname()}-${exited}-0123456789ab`,
        `${runningNow}/.partial-other-host-2-bbbbbbbbbbbb`,
      ].sort(),
    );
    expect(await store.list(`${killedLongAgo}/`)).toEqual([]);
    expect(await store.list(`${runningNow}/`)).toEqual([`${runningNow}/dump.pgc`]);
    expect(readdirSync(join(dir, runningNow)).sort()).toEqual(
      [
        ".partial-other-host-1-aaaaaaaaaaaa",
        `.partial-${hostname()}-${process.pid}-ba9876543210`,
        "dump.pgc",
      ].sort(),
    );
  });
});
