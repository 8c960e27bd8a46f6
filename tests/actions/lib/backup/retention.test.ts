import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BackupInfo, planPrune } from "../../../../actions/lib/backup/retention.ts";

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);
/** One backup a day at 00:30 for `days` days up to 2026-11-22. */
function nightly(days: number, drilled: (i: number) => boolean = () => false): BackupInfo[] {
  return Array.from({ length: days }, (_, i) => {
    const takenAt = at("2026-11-22T00:30:00Z") - i * DAY;
    return { id: new Date(takenAt).toISOString(), takenAt, drillPassed: drilled(i) };
  });
}

describe("retention", () => {
  it("keeps 7 daily, 4 weekly and 12 monthly of 400 nightly backups, newest of each", () => {
    const plan = planPrune(nightly(400), { daily: 7, weekly: 4, monthly: 12 });
    const kept = plan.keep.map((k) => k.id.slice(0, 10));
    expect(kept.slice(0, 7)).toEqual([
      "2026-11-22",
      "2026-11-21",
      "2026-11-20",
      "2026-11-19",
      "2026-11-18",
      "2026-11-17",
      "2026-11-16",
    ]);
    // Sundays end ISO weeks: the newest of the week before this one is 2026-11-15.
    expect(kept).toContain("2026-11-15");
    expect(kept).toContain("2026-10-31");
    expect(plan.keep.length + plan.prune.length).toBe(400);
    expect(plan.keep.length).toBeLessThanOrEqual(7 + 4 + 12);
  });

  it("never prunes the newest backup whose drill passed, nor anything younger", () => {
    // Only the backup of 40 days ago passed its drill: it and the 39 after it stay.
    const plan = planPrune(
      nightly(60, (i) => i === 40),
      { daily: 1, weekly: 0, monthly: 0 },
    );
    expect(plan.keep).toHaveLength(41);
    expect(plan.keep.at(-1)?.why).toContain("newest backup whose drill passed");
    expect(plan.prune).toHaveLength(19);
  });

  it("holds for any history: the last proven restore and every younger backup survive, every backup is kept or pruned once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ offset: fc.integer({ min: 0, max: 2000 }), drill: fc.boolean() }), {
          maxLength: 60,
        }),
        fc.record({ daily: fc.nat(10), weekly: fc.nat(6), monthly: fc.nat(13) }),
        (entries, policy) => {
          const backups = entries.map((e, i) => ({
            id: `b${i}`,
            takenAt: at("2026-11-22T00:30:00Z") - e.offset * 3_600_000,
            drillPassed: e.drill,
          }));
          const plan = planPrune(backups, policy);
          expect(plan.keep.length + plan.prune.length).toBe(backups.length);
          const proven = [...backups].sort((a, b) => b.takenAt - a.takenAt).find((b) => b.drillPassed);
          if (proven) {
            for (const b of backups.filter((x) =>
              x.takenAt >= proven.takenAt && x !== proven ? x.takenAt > proven.takenAt : x === proven,
            )) {
              expect(plan.prune).not.toContain(b.id);
            }
          }
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe("pruning a store", () => {
  it("lists with --dry-run, then removes the pruned backups whole, manifest first", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { pathToFileURL } = await import("node:url");
    const { Readable } = await import("node:stream");
    const { DirectoryStore } = await import("../../../../actions/lib/backup/file-store.ts");
    const { pruneBackups } = await import("../../../../actions/lib/backup/retention.ts");
    const dir = mkdtempSync(join(tmpdir(), "garde-prune-"));
    try {
      const store = new DirectoryStore(pathToFileURL(dir).href);
      for (const [i, b] of nightly(5, (n) => n === 3).entries()) {
        const id = `backup-${i}`;
        const manifest = {
          format: "garde-backup/1",
          id,
          database: "app",
          serverVersion: "15.18",
          startedAt: new Date(b.takenAt).toISOString(),
          endedAt: new Date(b.takenAt).toISOString(),
          dump: { name: "dump.pgc", size: 1, sha256: "0".repeat(64) },
          rowCounts: {},
          gardeVersion: "0.1.0",
        };
        await store.put(`${id}/dump.pgc`, Readable.from(["x"]));
        await store.put(`${id}/manifest.json`, Readable.from([JSON.stringify(manifest)]));
        if (b.drillPassed)
          await store.put(`${id}/drill.json`, Readable.from([JSON.stringify({ passed: true })]));
      }
      const policy = { daily: 1, weekly: 0, monthly: 0 };
      const dry = await pruneBackups(store, policy, { dryRun: true, now: Date.now() });
      expect(dry.prune).toEqual(["backup-4"]);
      expect(await store.list("backup-4/")).toHaveLength(2);
      await pruneBackups(store, policy, { dryRun: false, now: Date.now() });
      expect(await store.list("backup-4/")).toEqual([]);
      expect(await store.list("backup-3/")).toEqual([
        "backup-3/drill.json",
        "backup-3/dump.pgc",
        "backup-3/manifest.json",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
