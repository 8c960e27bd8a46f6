import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { PassThrough, Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Client } from "pg";
import { InputError } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { checkIdentity, decryptStream } from "./encryption.ts";
import { MANIFEST, type Manifest, manifestSchema } from "./manifest.ts";
import { spawnPgTool } from "./pg-dump.ts";
import { type BackupStore, readJson } from "./store.ts";

export const DRILL = "drill.json";

interface Queryable {
  query(sql: string): Promise<{ rows: unknown[] }>;
}

/** One SQL check run in the restored database: the Flask plan's "RBAC tables present", "test accounts present". */
export interface SqlCheck {
  name: string;
  /** A query returning one row whose first column is compared. */
  query: string;
  /** The first column of the first row must equal this (compared as text), or be at least this number. */
  expect: { equals?: string | number | boolean; atLeast?: number };
}

export interface TableComparison {
  table: string;
  expected: number;
  restored: number | null;
  ok: boolean;
}

export interface DrillResult {
  backupId: string;
  passed: boolean;
  checksumOk: boolean;
  tables: TableComparison[];
  checks: { name: string; ok: boolean; got: string | null; detail: string }[];
  failure: string | null;
  startedAt: string;
  durationMs: number;
}

export interface DrillOptions {
  store: BackupStore;
  /** A name, or the newest backup with a manifest. */
  backupId?: string | undefined;
  /** Admin URL of the server the scratch database is made on. */
  targetUrl: string;
  pgBin: string;
  checks?: readonly SqlCheck[];
  /** age secret key (AGE-SECRET-KEY-1…), required for an encrypted backup. */
  ageIdentity?: string | undefined;
  clock: Clock;
  reporter: Reporter;
}

/** Backups that exist: those whose manifest is stored (it is written last). */
export async function listBackups(store: BackupStore): Promise<string[]> {
  return backupIds(await store.list(""));
}

/** The backups among a store's object names: those with a manifest (written last). */
export function backupIds(names: readonly string[]): string[] {
  return names.filter((n) => n.endsWith(`/${MANIFEST}`)).map((n) => n.slice(0, -MANIFEST.length - 1));
}

export async function readManifest(store: BackupStore, id: string): Promise<Manifest> {
  return manifestSchema.parse(await readJson(store, `${id}/${MANIFEST}`));
}

/** One check's row: a query that fails says why (its SQL error), not merely "no row". */
async function runCheck(db: Queryable, check: SqlCheck): Promise<DrillResult["checks"][number]> {
  const expected = JSON.stringify(check.expect);
  let rows: unknown[];
  try {
    ({ rows } = await db.query(check.query));
  } catch (err) {
    return { name: check.name, ok: false, got: null, detail: `query failed: ${(err as Error).message}` };
  }
  if (!rows[0]) return { name: check.name, ok: false, got: null, detail: `no row, expected ${expected}` };
  const got = String(Object.values(rows[0] as object)[0]);
  const ok =
    (check.expect.equals === undefined || got === String(check.expect.equals)) &&
    (check.expect.atLeast === undefined || Number(got) >= check.expect.atLeast);
  return { name: check.name, ok, got, detail: expected };
}

/**
 * Feeds an archive to pg_restore on stdin (decrypting it first when it is encrypted) while
 * hashing every stored byte. Should pg_restore or the decrypter stop reading (a corrupt archive),
 * the rest is still read and hashed: the checksum is the verdict.
 */
async function restoreHashing(
  bin: string,
  databaseUrl: string,
  source: Readable,
  decrypt: ((stored: Readable) => Promise<Readable>) | undefined,
) {
  const { child, exited } = spawnPgTool(
    bin,
    "pg_restore",
    [
      "--no-owner",
      "--no-acl",
      "--exit-on-error",
      "--no-password",
      `--dbname=${new URL(databaseUrl).pathname.slice(1)}`,
    ],
    databaseUrl,
    "pipe",
  );
  const stored = new PassThrough();
  // Not awaited before feeding: the decrypter reads its header from `stored`.
  const feeding = (async () => {
    const archive = decrypt ? await decrypt(stored) : stored;
    await pipeline(archive, child.stdin as Writable);
  })().then(
    () => null,
    (err: Error) => {
      // pg_restore must see its input end (or it waits forever), and the feed stop taking bytes.
      child.stdin?.destroy();
      stored.destroy();
      return err;
    },
  );
  const hash = createHash("sha256");
  for await (const chunk of source) {
    hash.update(chunk as Buffer);
    if (!stored.destroyed && !stored.write(chunk)) {
      // once() rejects on "error": either way, stop waiting.
      await Promise.race([once(stored, "drain"), once(stored, "close")]).catch(() => undefined);
    }
  }
  if (!stored.destroyed) stored.end();
  const feedError = await feeding;
  const exitError = await exited;
  // A broken pipe only echoes pg_restore quitting (its stderr says why); any other feed error
  // (the decrypter refusing) is the cause, and pg_restore's "input file is too short" its echo.
  const echo = ["EPIPE", "ERR_STREAM_PREMATURE_CLOSE", "ERR_STREAM_DESTROYED"];
  const cause =
    feedError && !echo.includes((feedError as NodeJS.ErrnoException).code ?? "") ? feedError : null;
  return { digest: hash.digest("hex"), error: cause ?? exitError ?? feedError };
}

const SCRATCH_PREFIX = "garde_drill_";
/** A drill's scratch database this old belongs to a drill that was killed: no restore runs a day. */
const ABANDONED_SCRATCH_MS = 24 * 3_600_000;

/**
 * Scratch databases of drills killed before their cleanup (SIGKILL, a lost runner) hold a copy of
 * production data on the drill server: drop those older than a day, by the time in their name.
 */
async function dropAbandonedScratch(admin: Client, now: number, reporter: Reporter): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE $1",
    [`${SCRATCH_PREFIX.replaceAll("_", "\\_")}%`],
  );
  for (const { datname } of rows) {
    const began = /^garde_drill_(\d{10})_[0-9a-f]{10}$/.exec(datname);
    if (!began || now - Number(began[1]) * 1000 < ABANDONED_SCRATCH_MS) continue;
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(datname)} WITH (FORCE)`);
    reporter.warn(`Dropped ${datname}, the scratch database of a drill killed before its cleanup`);
  }
}

/**
 * Restores a backup into a fresh scratch database, checking its sha256 while it streams, then
 * compares every table's rows with the manifest and runs the SQL checks. The scratch database is
 * dropped whatever happens; the result is stored beside the backup as drill.json.
 */
export async function drillBackup(opts: DrillOptions): Promise<DrillResult> {
  const started = opts.clock.now();
  const { id, manifest } = await chooseBackup(opts);
  const { default: pg } = await import("pg");
  const admin = new pg.Client({ connectionString: opts.targetUrl });
  await admin.connect();
  await dropAbandonedScratch(admin, started, opts.reporter);
  const scratch = `${SCRATCH_PREFIX}${Math.floor(started / 1000)}_${randomBytes(5).toString("hex")}`;
  const scratchUrl = new URL(opts.targetUrl);
  scratchUrl.pathname = `/${scratch}`;
  const result: DrillResult = {
    backupId: id,
    passed: false,
    checksumOk: false,
    tables: [],
    checks: [],
    failure: null,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
  };
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(scratch)}`);
    opts.reporter.info(`Restoring ${id} (${manifest.dump.size} bytes) into scratch database ${scratch}`);
    const { digest, error } = await restoreStored(opts, id, manifest, scratchUrl.href);
    result.checksumOk = digest === manifest.dump.sha256;
    if (!result.checksumOk) {
      throw new Error(
        `Checksum mismatch: ${id}/${manifest.dump.name} has sha256 ${digest}, the manifest says ${manifest.dump.sha256}`,
      );
    }
    if (error) throw error;
    const restored = new pg.Client({ connectionString: scratchUrl.href });
    await restored.connect();
    try {
      result.tables = await compareRowCounts(restored, manifest);
      for (const check of opts.checks ?? []) result.checks.push(await runCheck(restored, check));
    } finally {
      await restored.end();
    }
    result.failure = mismatches(result);
    result.passed = !result.failure;
  } catch (err) {
    result.failure = (err as Error).message;
    result.passed = false;
  } finally {
    await admin
      .query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(scratch)} WITH (FORCE)`)
      .catch((err: Error) =>
        opts.reporter.warn(`Could not drop scratch database ${scratch}: ${err.message}`),
      );
    await admin.end();
  }
  result.durationMs = opts.clock.now() - started;
  await opts.store.put(`${id}/${DRILL}`, Readable.from([JSON.stringify(result, null, 2)]));
  return result;
}

/** The backup asked for (or the newest), its manifest, and the identity an encrypted one needs. */
async function chooseBackup(opts: DrillOptions): Promise<{ id: string; manifest: Manifest }> {
  const ids = await listBackups(opts.store);
  const id = opts.backupId ?? ids.at(-1);
  if (!id) throw new InputError("store", `No backup in ${opts.store.url}: run garde backup first`);
  if (!ids.includes(id))
    throw new InputError("backup", `No backup ${id} in ${opts.store.url}; newest: ${ids.at(-1) ?? "none"}`);
  const manifest = await readManifest(opts.store, id);
  if (manifest.encryption && !opts.ageIdentity) {
    throw new InputError(
      "age-identity",
      `Backup ${id} is encrypted with age: give the identity matching ${manifest.encryption.recipients.join(", ")}`,
    );
  }
  if (opts.ageIdentity) await checkIdentity(opts.ageIdentity);
  return { id, manifest };
}

/** pg_restore of the stored dump (decrypted on the way when it is encrypted), hashed as it streams. */
function restoreStored(opts: DrillOptions, id: string, manifest: Manifest, url: string) {
  const identity = opts.ageIdentity;
  return opts.store
    .get(`${id}/${manifest.dump.name}`)
    .then((stored) =>
      restoreHashing(
        opts.pgBin,
        url,
        stored,
        manifest.encryption && identity ? (s) => decryptStream(s, identity) : undefined,
      ),
    );
}

/** Each table's count(*) in the restored database against the manifest's; a missing table is null. */
async function compareRowCounts(restored: Client, manifest: Manifest): Promise<DrillResult["tables"]> {
  const tables: DrillResult["tables"] = [];
  for (const [table, expected] of Object.entries(manifest.rowCounts)) {
    const [schema, name] = table.split(".") as [string, string];
    const { rows } = await restored
      .query<{ n: string }>(
        `SELECT count(*) AS n FROM ${restored.escapeIdentifier(schema)}.${restored.escapeIdentifier(name)}`,
      )
      .catch(() => ({ rows: [] as { n: string }[] }));
    const got = rows[0] ? Number(rows[0].n) : null;
    tables.push({ table, expected, restored: got, ok: got === expected });
  }
  return tables;
}

/** Every table and check that did not match, in one line; null when all did. */
function mismatches(result: DrillResult): string | null {
  const badTables = result.tables.filter((t) => !t.ok);
  const badChecks = result.checks.filter((c) => !c.ok);
  if (!badTables.length && !badChecks.length) return null;
  return [
    ...badTables.map((t) => `${t.table}: manifest ${t.expected} rows, restored ${t.restored ?? "no table"}`),
    ...badChecks.map(
      (c) => `check ${c.name}: ${c.got === null ? c.detail : `got ${c.got}, expected ${c.detail}`}`,
    ),
  ].join("; ");
}
