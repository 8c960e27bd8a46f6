import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EncryptedFileStore } from "../../../../actions/lib/rotation/file-store.ts";
import { isAliveHere } from "../../../../actions/shared/process-owner.ts";

const work = mkdtempSync(join(tmpdir(), "garde-file-store-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const KEY = Buffer.alloc(32, 9);

/** The pid of a process that has exited: what a SIGKILLed garde leaves in its lock file. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("the encrypted file store's lock file", () => {
  it("is gone after a write, which leaves no temporary file", async () => {
    const path = join(work, "named.enc");
    const store = new EncryptedFileStore(path, KEY, { owner: { host: "ci-3", pid: 4242 } });
    await store.addVersion("api-token", "v");
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(readdirSync(work).filter((f) => f.startsWith("named.enc."))).toEqual([]);
  });

  it("left by a killed process (its pid gone from this host) is removed by the next write, with its temporary file", async () => {
    const path = join(work, "killed.enc");
    const store = new EncryptedFileStore(path, KEY, { isAlive: isAliveHere });
    await store.addVersion("api-token", "v1");
    const pid = deadPid();
    writeFileSync(`${path}.lock`, JSON.stringify({ host: hostname(), pid, at: Date.now() }));
    writeFileSync(`${path}.${pid}.tmp`, "half a write");
    const started = performance.now();
    const rerun = new EncryptedFileStore(path, KEY, { isAlive: isAliveHere });
    expect(await rerun.addVersion("api-token", "v2")).toBe("2");
    expect(performance.now() - started).toBeLessThan(1_000); // not the 2 s a held lock waits
    expect(await store.value("api-token", "1")).toBe("v1");
    expect(readdirSync(work).filter((f) => f.startsWith("killed.enc."))).toEqual([]);
  });

  it("held by a live process is stale only once older than any write takes", async () => {
    const path = join(work, "old.enc");
    const store = new EncryptedFileStore(path, KEY, { isAlive: isAliveHere, staleMs: 1_000 });
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({ host: hostname(), pid: process.pid, at: Date.now() - 5_000 }),
    );
    expect(await store.addVersion("api-token", "v1")).toBe("1");
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("held by a live process is waited for, then refused naming the holder and since when", async () => {
    const path = join(work, "live.enc");
    const store = new EncryptedFileStore(path, KEY, {
      isAlive: isAliveHere,
      owner: { host: hostname(), pid: 1 },
      lockWaitMs: 100,
    });
    const at = Date.now();
    writeFileSync(`${path}.lock`, JSON.stringify({ host: hostname(), pid: process.pid, at }));
    await expect(store.addVersion("api-token", "v1")).rejects.toThrow(
      `stayed locked by pid ${process.pid} on ${hostname()} since ${new Date(at).toISOString()}`,
    );
    expect(existsSync(`${path}.lock`)).toBe(true);
  });
});
