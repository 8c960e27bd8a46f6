import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDatabase } from "../../../../actions/lib/backup/backup.ts";
import { type DrillOptions, drillBackup, listBackups } from "../../../../actions/lib/backup/drill.ts";
import { DirectoryStore } from "../../../../actions/lib/backup/file-store.ts";
import type { Manifest } from "../../../../actions/lib/backup/manifest.ts";
import { systemClock } from "../../../../actions/lib/reporter.ts";
import { type LocalPostgres, postgresBin, startPostgres } from "../../../../sandbox/postgres.ts";
import { recordingReporter } from "../../../helpers.ts";

/** The Flask plan's RBAC tables and roles, with foreign keys, and enough rows to be a real restore. */
const SCHEMA = `
  CREATE TABLE roles (id int PRIMARY KEY, name text UNIQUE NOT NULL);
  CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE NOT NULL, role_id int NOT NULL REFERENCES roles);
  CREATE TABLE audit (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, at timestamptz NOT NULL DEFAULT now());
  INSERT INTO roles VALUES (1, 'admin'), (2, 'manager'), (3, 'user');
  INSERT INTO users SELECT g, CASE WHEN g <= 3 THEN 'test' || g || '@example.com' ELSE 'u' || g || '@example.com' END, 1 + g % 3 FROM generate_series(1, 50000) g;
  INSERT INTO audit (user_id) SELECT 1 + g % 50000 FROM generate_series(1, 200000) g;
`;
const CHECKS = [
  {
    name: "RBAC roles present",
    query: "SELECT count(*) FROM roles WHERE name IN ('admin', 'manager', 'user')",
    expect: { equals: 3 },
  },
  {
    name: "test accounts present",
    query: "SELECT count(*) FROM users WHERE email LIKE 'test%@example.com'",
    expect: { atLeast: 3 },
  },
];

const backup = (url: URL, into: DirectoryStore, recipients: string[] = []) =>
  backupDatabase({
    databaseUrl: url.href,
    store: into,
    pgBin: postgresBin,
    clock: systemClock,
    reporter: recordingReporter(),
    gardeVersion: "0.1.0",
    recipients,
  });

let server: LocalPostgres;
let work: string;
let store: DirectoryStore;
let manifest: Manifest;
let appUrl: URL;
beforeAll(async () => {
  server = await startPostgres();
  work = mkdtempSync(join(tmpdir(), "garde-drill-"));
  appUrl = new URL(await server.createDatabase("app", { sql: SCHEMA }));
  store = new DirectoryStore(pathToFileURL(join(work, "store")).href);
  manifest = await backup(appUrl, store);
}, 120_000);
afterAll(() => {
  server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function scratchDatabases(): Promise<string[]> {
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'garde_drill_%'",
  );
  await admin.end();
  return rows.map((r) => r.datname);
}

const drill = (s: DirectoryStore = store, backupId?: string, more: Partial<DrillOptions> = {}) =>
  drillBackup({
    store: s,
    backupId,
    targetUrl: server.adminUrl,
    pgBin: postgresBin,
    checks: CHECKS,
    clock: systemClock,
    reporter: recordingReporter(),
    ...more,
  });

/** A copy of the backup in a store of its own, altered by `tamper`. */
function tamperedCopy(name: string, tamper: (dir: string) => void): DirectoryStore {
  const dir = join(work, name);
  for (const file of ["dump.pgc", "manifest.json"]) {
    const from = join(work, "store", manifest.id, file);
    const to = join(dir, manifest.id, file);
    mkdirSync(join(dir, manifest.id), { recursive: true });
    writeFileSync(to, readFileSync(from));
  }
  tamper(join(dir, manifest.id));
  return new DirectoryStore(pathToFileURL(dir).href);
}

describe("restore drill", () => {
  it("restores the newest backup into a scratch database, matches every table and check, drops it, records drill.json", async () => {
    expect(await listBackups(store)).toEqual([manifest.id]);
    const result = await drill();
    expect(result.failure).toBeNull();
    expect(result).toMatchObject({ backupId: manifest.id, passed: true, checksumOk: true });
    expect(result.tables).toEqual([
      { table: "public.audit", expected: 200000, restored: 200000, ok: true },
      { table: "public.roles", expected: 3, restored: 3, ok: true },
      { table: "public.users", expected: 50000, restored: 50000, ok: true },
    ]);
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ["RBAC roles present", true],
      ["test accounts present", true],
    ]);
    expect(await scratchDatabases()).toEqual([]);
    expect(JSON.parse(readFileSync(join(work, "store", manifest.id, "drill.json"), "utf8"))).toMatchObject({
      passed: true,
    });
  }, 120_000);

  it("drops the scratch database a killed drill left a day ago, and not one a drill may still be using", async () => {
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    const seconds = Math.floor(Date.now() / 1000);
    const abandoned = `garde_drill_${seconds - 2 * 86_400}_0123456789`;
    const recent = `garde_drill_${seconds - 60}_9876543210`;
    for (const name of [abandoned, recent]) await admin.query(`CREATE DATABASE ${name}`);
    try {
      const reporter = recordingReporter();
      expect((await drill(store, undefined, { reporter })).passed).toBe(true);
      expect(await scratchDatabases()).toEqual([recent]);
      expect(reporter.lines).toContain(
        `warn Dropped ${abandoned}, the scratch database of a drill killed before its cleanup`,
      );
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${recent}`);
      await admin.end();
    }
  });

  it("catches one flipped byte by its checksum, and still drops the scratch database", async () => {
    const corrupted = tamperedCopy("corrupted", (dir) => {
      const path = join(dir, "dump.pgc");
      const bytes = readFileSync(path);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0x01;
      writeFileSync(path, bytes);
    });
    const result = await drill(corrupted);
    expect(result.passed).toBe(false);
    expect(result.checksumOk).toBe(false);
    expect(result.failure).toMatch(
      /Checksum mismatch: .*dump\.pgc has sha256 [0-9a-f]{64}, the manifest says/,
    );
    expect(await scratchDatabases()).toEqual([]);
  }, 120_000);

  it("catches a dump missing rows, naming the table and both counts", async () => {
    // The fault: a table emptied between the dump and its manifest. Here the manifest is the
    // first backup's and the dump a second one's, taken after audit was emptied.
    const afterTruncate = new DirectoryStore(pathToFileURL(join(work, "after-truncate")).href);
    const laterUrl = new URL(
      await server.createDatabase("app_later", { template: "app", sql: "TRUNCATE audit" }),
    );
    const second = await backup(laterUrl, afterTruncate);
    const short = tamperedCopy("short", (dir) => {
      writeFileSync(join(dir, "dump.pgc"), readFileSync(join(work, "after-truncate", second.id, "dump.pgc")));
      const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
      m.dump = second.dump;
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
    });
    const result = await drill(short);
    expect(result.passed).toBe(false);
    expect(result.failure).toBe("public.audit: manifest 200000 rows, restored 0");
    expect(await scratchDatabases()).toEqual([]);
  }, 120_000);

  it("refuses a backup that is not in the store, naming the newest", async () => {
    await expect(drill(store, "2020-01-01T00-00-00-000Z-000000")).rejects.toThrow(
      new RegExp(`No backup 2020-01-01T00-00-00-000Z-000000 in file://.*; newest: ${manifest.id}`),
    );
  });

  it("names the SQL error of a check whose query fails, instead of 'no row'", async () => {
    const result = await drill(store, undefined, {
      checks: [{ name: "sessions kept", query: "SELECT count(*) FROM sessions", expect: { atLeast: 1 } }],
    });
    expect(result.passed).toBe(false);
    expect(result.failure).toBe('check sessions kept: query failed: relation "sessions" does not exist');
    expect(await scratchDatabases()).toEqual([]);
  }, 120_000);
});

describe("encrypted backups (age)", () => {
  let identity: string;
  let encrypted: Manifest;
  let encryptedStore: DirectoryStore;
  beforeAll(async () => {
    identity = await generateX25519Identity();
    encryptedStore = new DirectoryStore(pathToFileURL(join(work, "encrypted")).href);
    encrypted = await backup(appUrl, encryptedStore, [await identityToRecipient(identity)]);
  }, 120_000);

  it("stores only ciphertext, and the drill restores it with the identity", async () => {
    expect(encrypted.dump.name).toBe("dump.pgc.age");
    expect(encrypted.encryption?.recipients[0]).toMatch(/^age1/);
    const stored = readFileSync(join(work, "encrypted", encrypted.id, "dump.pgc.age"));
    expect(stored.subarray(0, 21).toString()).toBe("age-encryption.org/v1");
    expect(stored.includes(Buffer.from("test1@example.com"))).toBe(false);
    expect(stored.includes(Buffer.from("PGDMP"))).toBe(false);
    const result = await drill(encryptedStore, undefined, { ageIdentity: identity });
    expect(result.failure).toBeNull();
    expect(result.tables.map((t) => t.restored)).toEqual([200000, 3, 50000]);
  }, 120_000);

  it("asks for the identity, and fails cleanly with the wrong one, never quoting it", async () => {
    await expect(drill(encryptedStore)).rejects.toThrow(
      /is encrypted with age: give the identity matching age1/,
    );
    const wrong = await generateX25519Identity();
    const result = await drill(encryptedStore, undefined, { ageIdentity: wrong });
    expect(result.passed).toBe(false);
    expect(result.checksumOk).toBe(true);
    expect(result.failure).toMatch(/Cannot decrypt the dump with the age identity given/);
    expect(JSON.stringify(result)).not.toContain(wrong.slice(20));
    expect(await scratchDatabases()).toEqual([]);
  }, 120_000);

  it("catches a flipped ciphertext byte by its checksum and drops the scratch database", async () => {
    const dir = join(work, "encrypted-corrupt", encrypted.id);
    mkdirSync(dir, { recursive: true });
    for (const file of ["dump.pgc.age", "manifest.json"])
      writeFileSync(join(dir, file), readFileSync(join(work, "encrypted", encrypted.id, file)));
    const bytes = readFileSync(join(dir, "dump.pgc.age"));
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] as number) ^ 0x01;
    writeFileSync(join(dir, "dump.pgc.age"), bytes);
    const corrupt = new DirectoryStore(pathToFileURL(join(work, "encrypted-corrupt")).href);
    const result = await drill(corrupt, undefined, { ageIdentity: identity });
    expect(result).toMatchObject({ passed: false, checksumOk: false });
    expect(result.failure).toMatch(/Checksum mismatch: .*dump\.pgc\.age/);
    expect(await scratchDatabases()).toEqual([]);
  }, 120_000);

  it("refuses a malformed recipient before dumping anything", async () => {
    await expect(backup(appUrl, encryptedStore, ["age1notakey"])).rejects.toThrow(/is not an age public key/);
    expect(await listBackups(encryptedStore)).toEqual([encrypted.id]);
  });
});
