import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDatabase } from "../../../../actions/lib/backup/backup.ts";
import { DirectoryStore } from "../../../../actions/lib/backup/file-store.ts";
import { systemClock } from "../../../../actions/lib/reporter.ts";
import { type LocalPostgres, postgresBin, startPostgres } from "../../../../sandbox/postgres.ts";
import { recordingReporter } from "../../../helpers.ts";

/** A shop: customers, their orders, and order lines, tied by foreign keys; ~300k rows. */
const SCHEMA = `
  CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, placed_at timestamptz NOT NULL);
  CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders, line int NOT NULL, sku text NOT NULL, PRIMARY KEY (order_id, line));
  INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 20000) g;
  INSERT INTO orders SELECT g, 1 + g % 20000, now() - g * interval '1 minute' FROM generate_series(1, 100000) g;
  INSERT INTO order_lines SELECT 1 + g % 100000, g / 100000, 'sku-' || g % 977 FROM generate_series(0, 179999) g;
`;

let server: LocalPostgres;
let work: string;
beforeAll(async () => {
  server = await startPostgres();
  work = mkdtempSync(join(tmpdir(), "garde-backup-"));
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(SCHEMA);
  await admin.end();
}, 120_000);
afterAll(() => {
  server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const store = (name: string) => new DirectoryStore(pathToFileURL(join(work, name)).href);
const password = () => decodeURIComponent(new URL(server.adminUrl).password);

describe("PostgreSQL backup into a directory store", () => {
  it("streams a custom-format dump with its sha256 and the exact row counts of the snapshot it read", async () => {
    const target = store("one");
    const reporter = recordingReporter();
    let argv = "";
    const manifest = await backupDatabase({
      databaseUrl: server.adminUrl,
      store: target,
      pgBin: postgresBin,
      clock: systemClock,
      reporter,
      gardeVersion: "0.1.0",
      onDumpStarted: (pid) => {
        argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      },
    });
    expect(manifest.rowCounts).toEqual({
      "public.customers": 20000,
      "public.order_lines": 180000,
      "public.orders": 100000,
    });
    expect(manifest.serverVersion).toMatch(/^15\./);
    const dumpPath = join(work, "one", manifest.id, "dump.pgc");
    const bytes = readFileSync(dumpPath);
    expect(manifest.dump.size).toBe(bytes.length);
    expect(manifest.dump.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    // pg_restore reads it: a real custom-format archive with the three tables' data.
    const toc = execFileSync(join(postgresBin, "pg_restore"), ["--list", dumpPath], { encoding: "utf8" });
    for (const table of ["customers", "orders", "order_lines"])
      expect(toc).toMatch(new RegExp(`TABLE DATA public ${table} `));
    expect(await target.list("")).toEqual([`${manifest.id}/dump.pgc`, `${manifest.id}/manifest.json`]);
    // The password never shows: not in pg_dump's argv, the manifest or what garde reported.
    expect(argv).toMatch(/pg_dump --format=custom/);
    for (const text of [
      argv,
      JSON.stringify(manifest),
      reporter.lines.join("\n"),
      readFileSync(join(work, "one", manifest.id, "manifest.json"), "utf8"),
    ]) {
      expect(text).not.toContain(password());
    }
  }, 120_000);

  it("publishes nothing when pg_dump dies after writing part of the dump", async () => {
    const target = store("failed");
    // A pg_dump that writes the start of an archive, then loses its connection.
    const bin = mkdtempSync(join(work, "bin-"));
    writeFileSync(
      join(bin, "pg_dump"),
      "#!/bin/sh\nhead -c 300000 /dev/zero\necho 'pg_dump: error: connection to server lost' >&2\nexit 1\n",
      { mode: 0o755 },
    );
    await expect(
      backupDatabase({
        databaseUrl: server.adminUrl,
        store: target,
        pgBin: bin,
        clock: systemClock,
        reporter: recordingReporter(),
        gardeVersion: "0.1.0",
      }),
    ).rejects.toThrow(/pg_dump failed \(exit 1\): pg_dump: error: connection to server lost/);
    expect(await target.list("")).toEqual([]);
    expect(
      readdirSync(join(work, "failed"), { recursive: true }).filter((f) => String(f).includes("partial")),
    ).toEqual([]);
  });

  it("lands two concurrent backups of one database intact, side by side", async () => {
    const target = store("concurrent");
    const run = () =>
      backupDatabase({
        databaseUrl: server.adminUrl,
        store: target,
        pgBin: postgresBin,
        clock: systemClock,
        reporter: recordingReporter(),
        gardeVersion: "0.1.0",
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.id).not.toBe(b.id);
    for (const m of [a, b]) {
      const bytes = readFileSync(join(work, "concurrent", m.id, "dump.pgc"));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(m.dump.sha256);
      expect(m.rowCounts["public.orders"]).toBe(100000);
    }
  }, 120_000);

  it("streams: the bytes in flight stay a few buffers over a dump many times their size, encrypted or not", async () => {
    // ~190 MB of hex text (pg_dump compresses it to ~55 MB): a dump held in memory would show.
    const bulkyUrl = new URL(
      await server.createDatabase("bulky", {
        sql: "CREATE TABLE blobs (id int PRIMARY KEY, body text NOT NULL); INSERT INTO blobs SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, 700000) g",
      }),
    );
    const { generateX25519Identity, identityToRecipient } = await import("age-encryption");
    const recipient = await identityToRecipient(await generateX25519Identity());
    for (const recipients of [[], [recipient]]) {
      // In flight: what pg_dump has written (its wchar in /proc) minus what is on disk in the
      // store. Streaming keeps that to a few pipe and stream buffers; holding the dump anywhere
      // on the way (in garde or in the store) would make it the size of the dump.
      const dir = join(work, `bulky-${recipients.length}`);
      const onDisk = () => {
        try {
          return readdirSync(dir, { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile())
            .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
        } catch {
          return 0;
        }
      };
      let pid: number | undefined;
      let inFlight = 0;
      const sampler = setInterval(() => {
        try {
          const written = Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1] ?? 0);
          inFlight = Math.max(inFlight, written - onDisk());
        } catch {
          // not started yet, or exited
        }
      }, 2);
      const manifest = await backupDatabase({
        databaseUrl: bulkyUrl.href,
        store: store(`bulky-${recipients.length}`),
        pgBin: postgresBin,
        clock: systemClock,
        reporter: recordingReporter(),
        gardeVersion: "0.1.0",
        recipients,
        onDumpStarted: (p) => {
          pid = p;
        },
      }).finally(() => clearInterval(sampler));
      expect(manifest.dump.size).toBeGreaterThan(40 * 1024 * 1024);
      expect(inFlight, `bytes in flight over a ${manifest.dump.size}-byte dump`).toBeLessThan(
        4 * 1024 * 1024,
      );
    }
  }, 120_000);
});
