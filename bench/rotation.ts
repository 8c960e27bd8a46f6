/**
 * PostgreSQL credential rotation under continuous query load, on a real server: failed queries
 * out of ≥ 10 000 while three rotations (and the revocations after them) run (goal 0), and the
 * rotation's wall time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { silentReporter, systemClock } from "../actions/lib/reporter.ts";
import { EncryptedFileStore } from "../actions/lib/rotation/file-store.ts";
import { PostgresRotator } from "../actions/lib/rotation/postgres-rotator.ts";
import { rotate } from "../actions/lib/rotation/rotate.ts";
import { DrainingPool } from "../sandbox/draining-pool.ts";
import { createAppRoles, startPostgres } from "../sandbox/postgres.ts";

export async function benchRotation(): Promise<void> {
  const db = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), "garde-rotation-bench-"));
  try {
    await createAppRoles(db.adminUrl, "hits");
    const store = new EncryptedFileStore(join(dir, "store.enc"), Buffer.alloc(32, 1));
    const app = new DrainingPool();
    const opts = {
      store,
      rotator: new PostgresRotator({ adminUrl: db.adminUrl, roles: ["app_blue", "app_green"] }),
      consumers: [app],
      clock: systemClock,
      reporter: silentReporter,
      graceMs: 0,
      runId: "bench",
      actor: "bench",
      reason: "bench",
    };
    await rotate("db", opts); // the first credential

    let ok = 0;
    let failed = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          await (app.pool as pg.Pool).query("INSERT INTO hits DEFAULT VALUES");
          ok++;
        } catch {
          failed++;
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    const walls: number[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 300));
      await rotate("db", opts); // past the zero grace: revoke the previous login
      const t = performance.now();
      await rotate("db", opts); // the rotation itself
      walls.push(performance.now() - t);
    }
    while (ok + failed < 10_000) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(workers);
    await app.close();
    console.log(`queries during 3 rotations and revocations: ${ok + failed}, failed: ${failed} (goal 0)`);
    console.log(
      `rotation wall time (create → set → test → finish): ${walls.map((w) => `${w.toFixed(0)} ms`).join(", ")}`,
    );
  } finally {
    db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
