import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { backupId } from "../../actions/lib/backup/manifest.ts";
import { execNode } from "../processes.ts";

const BIN = resolve(import.meta.dirname, "../../bin/garde.js");
const work = mkdtempSync(join(tmpdir(), "garde-backup-age-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A store holding finished backups (a manifest each) begun `hoursAgo` each. */
function storeWith(name: string, hoursAgo: number[]): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [i, h] of hoursAgo.entries()) {
    const id = backupId(Date.now() - h * 3_600_000, `00000${i}`);
    mkdirSync(join(dir, id), { recursive: true });
    writeFileSync(join(dir, id, "manifest.json"), "{}");
  }
  return pathToFileURL(dir).href;
}
const garde = (args: string[]) => execNode([BIN, "backup-age", ...args], {});

describe("garde backup-age: the alarm for a backup job that stopped succeeding", () => {
  it("passes while the newest finished backup is younger than --max-age", async () => {
    const r = await garde(["--store", storeWith("fresh", [50, 2]), "--max-age", "26h"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: 2\.0 h old, within 26\.0 h/);
  });

  it("fails (exit 1) naming the newest backup and its age when it is older, ignoring unfinished ones", async () => {
    const url = storeWith("stale", [30, 40]);
    // A dump with no manifest (a killed run) is no backup, however new.
    const unfinished = join(work, "stale", backupId(Date.now(), "aaaaaa"));
    mkdirSync(unfinished, { recursive: true });
    writeFileSync(join(unfinished, "dump.pgc"), "x");
    const r = await garde(["--store", url, "--max-age", "26h"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^garde: the newest backup in file:\/\/\S+ \(\S+-000000\) is 30\.0 h old, more than 26h: the backup job has not succeeded since/,
    );
  });

  it("fails (exit 1) on a store with no backup, and exits 2 on bad input", async () => {
    expect((await garde(["--store", storeWith("empty", []), "--max-age", "26h"])).code).toBe(1);
    const missing = await garde(["--store", storeWith("x", [1])]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--max-age is required/);
    const bad = await garde(["--store", storeWith("y", [1]), "--max-age", "soon"]);
    expect(bad.code).toBe(2);
    const absent = await garde(["--store", pathToFileURL(join(work, "nope")).href, "--max-age", "26h"]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/the directory does not exist/);
  });
});
