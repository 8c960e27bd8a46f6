import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalPostgres, postgresBin, startPostgres } from "../../sandbox/postgres.ts";
import { execNode } from "../processes.ts";

const BIN = resolve(import.meta.dirname, "../../bin/garde.js");
let server: LocalPostgres;
let work: string;
let store: string;
beforeAll(async () => {
  server = await startPostgres();
  work = mkdtempSync(join(tmpdir(), "garde-backup-cli-"));
  store = pathToFileURL(join(work, "store")).href;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(
    "CREATE TABLE roles (id int PRIMARY KEY, name text); INSERT INTO roles VALUES (1, 'admin'), (2, 'user'); CREATE TABLE users (id int PRIMARY KEY, role_id int REFERENCES roles); INSERT INTO users SELECT g, 1 + g % 2 FROM generate_series(1, 5000) g",
  );
  await admin.end();
}, 120_000);
afterAll(() => {
  server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const password = () => decodeURIComponent(new URL(server.adminUrl).password);
const garde = (args: string[], env: Record<string, string> = {}) =>
  execNode([BIN, ...args], {
    DATABASE_URL: server.adminUrl,
    SCRATCH_URL: server.adminUrl,
    GARDE_PG_BIN: postgresBin,
    ...env,
  });

describe("garde backup, drill and prune", () => {
  it("backs up, drills with SQL checks, and plans a prune, never printing the password", async () => {
    const backup = await garde(["backup", "--database-url-env", "DATABASE_URL", "--store", store, "--json"]);
    expect(backup.code, backup.stderr).toBe(0);
    const manifest = JSON.parse(backup.stdout);
    expect(manifest.rowCounts).toEqual({ "public.roles": 2, "public.users": 5000 });
    const checks = join(work, "checks.yml");
    writeFileSync(
      checks,
      "- name: admin role present\n  query: SELECT count(*) FROM roles WHERE name = 'admin'\n  expect: { equals: 1 }\n",
    );
    const drill = await garde([
      "drill",
      "--store",
      store,
      "--target-url-env",
      "SCRATCH_URL",
      "--checks",
      checks,
    ]);
    expect(drill.code, drill.stderr).toBe(0);
    expect(drill.stdout).toMatch(/✓\s+public\.users\s+5000\s+5000/);
    expect(drill.stdout).toMatch(/✓\s+check: admin role present/);
    expect(drill.stdout).toMatch(new RegExp(`passed \\(${manifest.id}\\)`));
    const prune = await garde([
      "prune",
      "--store",
      store,
      "--keep-daily",
      "0",
      "--keep-weekly",
      "0",
      "--keep-monthly",
      "0",
      "--dry-run",
    ]);
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stdout).toMatch(new RegExp(`${manifest.id}\\s+keep\\s+newest backup whose drill passed`));
    for (const r of [backup, drill, prune]) expect(r.stdout + r.stderr).not.toContain(password());
  }, 120_000);

  it("encrypts to an age recipient and drills with the identity from the environment, never printing it", async () => {
    const identity = await generateX25519Identity();
    const encrypted = pathToFileURL(join(work, "encrypted")).href;
    const backup = await garde([
      "backup",
      "--database-url-env",
      "DATABASE_URL",
      "--store",
      encrypted,
      "--age-recipient",
      await identityToRecipient(identity),
      "--json",
    ]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(JSON.parse(backup.stdout).dump.name).toBe("dump.pgc.age");
    const args = ["drill", "--store", encrypted, "--target-url-env", "SCRATCH_URL"];
    const withoutKey = await garde(args);
    expect(withoutKey.code).toBe(2);
    expect(withoutKey.stderr).toMatch(/is encrypted with age: give the identity matching age1/);
    const drill = await garde([...args, "--age-identity-env", "BACKUP_AGE_KEY"], {
      BACKUP_AGE_KEY: identity,
    });
    expect(drill.code, drill.stderr).toBe(0);
    expect(drill.stdout).toMatch(/✓\s+public\.users\s+5000\s+5000/);
    const badKey = "AGE-SECRET-KEY-1CANARYCANARYCANARY";
    const refused = await garde([...args, "--age-identity-env", "BACKUP_AGE_KEY"], {
      BACKUP_AGE_KEY: badKey,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the age identity is not an age secret key/);
    for (const r of [backup, withoutKey, drill, refused]) {
      expect(r.stdout + r.stderr).not.toContain(identity);
      expect(r.stdout + r.stderr).not.toContain("CANARY");
      expect(r.stdout + r.stderr).not.toContain(password());
    }
  }, 120_000);

  it.each([
    [
      [
        "backup",
        "--database-url-env",
        "DATABASE_URL",
        "--store",
        "file:///tmp/x",
        "--age-recipient",
        "ssh-rsa AAAA",
      ],
      /age recipient "ssh-rsa AAAA…" is not an age public key/,
    ],
    [
      ["drill", "--store", "file:///tmp/x", "--target-url-env", "SCRATCH_URL", "--age-identity-env", "NOPE"],
      /--age-identity-env: NOPE is not set/,
    ],
    [
      ["backup", "--database-url-env", "DATABASE_URL", "--store", "s3://bucket/x"],
      /store must be file:\/\/\/path\/to\/dir or gs:\/\/bucket\/prefix/,
    ],
    [["backup", "--database-url-env", "NOT_SET", "--store", "file:///tmp/x"], /NOT_SET is not set/],
    [
      ["backup", "--database-url-env", "database_url", "--store", "file:///tmp/x"],
      /--database-url-env: must name an environment variable/,
    ],
    [
      ["drill", "--store", "file:///tmp/garde-no-such-store", "--target-url-env", "SCRATCH_URL"],
      /store file:\/\/\/tmp\/garde-no-such-store: the directory does not exist; correct the path/,
    ],
    [
      [
        "prune",
        "--store",
        "file:///tmp/garde-no-such-store",
        "--keep-daily",
        "7",
        "--keep-weekly",
        "4",
        "--keep-monthly",
        "12",
      ],
      /store file:\/\/\/tmp\/garde-no-such-store: the directory does not exist/,
    ],
    [
      ["backup", "--database-url-env", "DATABASE_URL", "--store", "file://relative/backups"],
      /store file:\/\/relative\/backups is not an absolute directory URL: use file:\/\/\/var\/backups\/app/,
    ],
    [
      [
        "backup",
        "--database-url-env",
        "DATABASE_URL",
        "--store",
        "file:///tmp/x",
        "--pg-bin",
        "/nonexistent",
      ],
      /--pg-bin \(CLI\), pg-bin \(action\) names \/nonexistent, which holds no pg_dump and pg_restore/,
    ],
    [
      ["prune", "--store", "file:///tmp/x", "--keep-daily", "-1"],
      /a value starting with "-" is written --keep-daily=VALUE/,
    ],
    [
      ["prune", "--store", "file:///tmp/x", "--keep-daily=-1", "--keep-weekly", "0", "--keep-monthly", "0"],
      /--keep-daily: must be a whole number, 0 to 1000/,
    ],
    [["prune", "--store", "file:///tmp/x"], /--keep-daily: is required/],
  ])("exits 2 on bad input: %j", async (args, message) => {
    const r = await garde(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
