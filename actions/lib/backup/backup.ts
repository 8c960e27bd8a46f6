import { createHash, randomBytes } from "node:crypto";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Clock, Reporter } from "../reporter.ts";
import { AGE_SUFFIX, checkRecipients, encryptStream } from "./encryption.ts";
import { backupId, DUMP, MANIFEST, type Manifest } from "./manifest.ts";
import { spawnPgDump } from "./pg-dump.ts";
import type { BackupStore } from "./store.ts";

export interface BackupOptions {
  databaseUrl: string;
  store: BackupStore;
  /** Directory holding pg_dump (the server's own major version or newer). */
  pgBin: string;
  clock: Clock;
  reporter: Reporter;
  gardeVersion: string;
  /** age public keys (age1…) to encrypt the dump to; none: stored as pg_dump wrote it. */
  recipients?: readonly string[];
  /** Called with pg_dump's pid once spawned (tests read its argv from /proc). */
  onDumpStarted?: (pid: number | undefined) => void;
}

/**
 * Passes bytes through while hashing them, and ends only once `finished` resolves: a pg_dump that
 * fails after writing part of its output makes the stream fail, so the store never publishes it.
 */
function hashingGate(finished: Promise<void>) {
  const hash = createHash("sha256");
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      finished.then(() => callback(), callback);
    },
  });
  return { stream, digest: () => hash.digest("hex") };
}

/**
 * One backup: a repeatable-read transaction exports its snapshot, counts every table in it, and
 * pg_dump reads that same snapshot, so the manifest's counts are exactly what the dump holds.
 * The dump streams through a sha256 hasher into the store (memory stays flat); the manifest is
 * written last, and its presence is what makes the backup exist.
 */
export async function backupDatabase(opts: BackupOptions): Promise<Manifest> {
  const recipients = opts.recipients ?? [];
  await checkRecipients(recipients);
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  const startedAt = new Date(opts.clock.now()).toISOString();
  const id = backupId(opts.clock.now(), randomBytes(3).toString("hex"));
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const { rows: info } = await client.query<{ snapshot: string; database: string; version: string }>(
      "SELECT pg_export_snapshot() AS snapshot, current_database() AS database, current_setting('server_version') AS version",
    );
    const { snapshot, database, version } = info[0] as {
      snapshot: string;
      database: string;
      version: string;
    };
    const { rows: tables } = await client.query<{ schema: string; name: string }>(
      "SELECT schemaname AS schema, tablename AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
    );
    const rowCounts: Record<string, number> = {};
    for (const t of tables) {
      const qualified = `${client.escapeIdentifier(t.schema)}.${client.escapeIdentifier(t.name)}`;
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified}`);
      rowCounts[`${t.schema}.${t.name}`] = Number(rows[0]?.n ?? 0);
    }
    opts.reporter.info(
      `Dumping ${database} (PostgreSQL ${version}, ${tables.length} tables) to ${opts.store.url}/${id}`,
    );

    const dump = spawnPgDump({ bin: opts.pgBin, databaseUrl: opts.databaseUrl, snapshot });
    opts.onDumpStarted?.(dump.pid);
    // The checksum is of the bytes stored (ciphertext when encrypted): a drill, or anyone with
    // sha256sum, can verify the object without the key.
    const gate = hashingGate(dump.done);
    const stored = recipients.length ? await encryptStream(dump.stdout, recipients) : dump.stdout;
    const dumpName = recipients.length ? `${DUMP}${AGE_SUFFIX}` : DUMP;
    // pipeline (not .pipe) so a failing encrypter destroys the gate, and with it the upload;
    // allSettled so the store has cleaned its temporary object up before the error surfaces.
    const [put, ...rest] = await Promise.allSettled([
      opts.store.put(`${id}/${dumpName}`, gate.stream),
      pipeline(stored, gate.stream),
      dump.done,
    ]);
    const failed = [rest[1], put, rest[0]].find((r) => r?.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const { size } = (put as PromiseFulfilledResult<{ size: number }>).value;
    const manifest: Manifest = {
      format: "garde-backup/1",
      id,
      database,
      serverVersion: version,
      startedAt,
      endedAt: new Date(opts.clock.now()).toISOString(),
      dump: { name: dumpName, size, sha256: gate.digest() },
      ...(recipients.length ? { encryption: { scheme: "age" as const, recipients: [...recipients] } } : {}),
      rowCounts,
      gardeVersion: opts.gardeVersion,
    };
    await opts.store.put(`${id}/${MANIFEST}`, Readable.from([JSON.stringify(manifest, null, 2)]));
    return manifest;
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
  }
}
