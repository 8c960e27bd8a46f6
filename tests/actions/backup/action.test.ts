import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalPostgres, postgresBin, startPostgres } from "../../../sandbox/postgres.ts";
import { runAction, visible } from "../../processes.ts";

const ENTRY = resolve(import.meta.dirname, "../../../actions/backup/dist/index.js");
/** Encoded in the URL as CANARY%20pw%2F7f3a: both spellings must be masked. */
const PASSWORD = "CANARY pw/7f3a";

let server: LocalPostgres;
let work: string;
let store: string;
let appUrl: string;
let identity: string;
beforeAll(async () => {
  server = await startPostgres();
  work = mkdtempSync(join(tmpdir(), "garde-backup-action-"));
  store = pathToFileURL(join(work, "store")).href;
  identity = await generateX25519Identity();
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query("CREATE ROLE shop LOGIN PASSWORD 'CANARY pw/7f3a'");
  await admin.query("CREATE DATABASE shop OWNER shop");
  await admin.end();
  appUrl = server.url("shop", PASSWORD, "shop");
  const app = new pg.Client({ connectionString: appUrl });
  await app.connect();
  await app.query(`
    CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric NOT NULL);
    INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 2000) g;
    INSERT INTO orders SELECT g, 1 + g % 2000, g * 1.5 FROM generate_series(1, 10000) g;
  `);
  await app.end();
}, 120_000);
afterAll(() => {
  server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const backupAction = (inputs: Record<string, string>) =>
  runAction(ENTRY, work, { "pg-bin": postgresBin, store, ...inputs });

describe("backup action (dist)", () => {
  let backupId: string;

  it("mode backup: outputs id, size and sha256, summarises the manifest and row counts, masks the URL and password", async () => {
    const r = await backupAction({
      mode: "backup",
      "database-url": appUrl,
      "age-recipients": await identityToRecipient(identity),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    backupId = r.outputs["backup-id"] as string;
    expect(backupId).toMatch(/^\d{4}-\d\d-\d\dT/);
    const stored = readFileSync(join(work, "store", backupId, "dump.pgc.age"));
    expect(r.outputs.size).toBe(String(stored.length));
    expect(r.outputs.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.summary).toContain("garde backup: shop");
    expect(r.summary).toContain(r.outputs.sha256);
    expect(r.summary).toMatch(/public\.orders<\/td><td>10000/);
    // The runner's command syntax escapes % as %25; it unescapes before masking.
    expect(r.stdout).toContain(`::add-mask::${appUrl.replaceAll("%", "%25")}`);
    expect(r.stdout).toContain("::add-mask::CANARY%2520pw%252F7f3a");
    expect(r.stdout).toContain("::add-mask::CANARY pw/7f3a");
    expect(visible(r)).not.toContain("CANARY");
  }, 120_000);

  it("mode drill: restores with the masked identity, outputs passed, summarises the comparison", async () => {
    const checks = join(work, "checks.yml");
    writeFileSync(
      checks,
      "- name: every order has its customer\n  query: SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL\n  expect: { equals: 0 }\n",
    );
    const r = await backupAction({
      mode: "drill",
      "target-url": server.adminUrl,
      "age-identity": identity,
      checks,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ "backup-id": backupId, "drill-result": "passed" });
    expect(r.summary).toContain(`garde restore drill: passed (${backupId})`);
    expect(r.summary).toMatch(/✓<\/td><td>public\.customers<\/td><td>2000<\/td><td>2000/);
    expect(r.summary).toMatch(/check: every order has its customer/);
    expect(r.stdout).toContain(`::add-mask::${identity}`);
    expect(visible(r)).not.toContain(identity);
  }, 120_000);

  it("mode drill: exits 1 naming the table and both counts when the dump and manifest disagree", async () => {
    const manifestPath = join(work, "store", backupId, "manifest.json");
    const original = readFileSync(manifestPath, "utf8");
    const m = JSON.parse(original);
    m.rowCounts["public.orders"] = 10001;
    writeFileSync(manifestPath, JSON.stringify(m));
    try {
      const r = await backupAction({
        mode: "drill",
        "target-url": server.adminUrl,
        "age-identity": identity,
      });
      expect(r.code).toBe(1);
      expect(r.outputs["drill-result"]).toBe("failed");
      expect(r.stdout).toMatch(
        /::error::Restore drill failed: public\.orders: manifest 10001 rows, restored 10000/,
      );
      expect(r.summary).toMatch(/✗<\/td><td>public\.orders<\/td><td>10001<\/td><td>10000/);
    } finally {
      writeFileSync(manifestPath, original);
    }
  }, 120_000);

  it("mode prune: a dry run lists what would go and deletes nothing; a failed drill protects no backup", async () => {
    const r = await backupAction({
      mode: "prune",
      "keep-daily": "0",
      "keep-weekly": "0",
      "keep-monthly": "0",
      "dry-run": "true",
    });
    expect(r.code).toBe(0);
    // The drill above failed and overwrote drill.json: no drill passed, so nothing is protected.
    expect(r.outputs.pruned).toBe(backupId);
    expect(r.summary).toContain("garde prune (dry run): 0 kept, 1 would go");
    expect(readFileSync(join(work, "store", backupId, "manifest.json"), "utf8")).toContain(backupId);
  }, 60_000);

  it("exits 2 naming each input a mode needs, never echoing a secret", async () => {
    const noTarget = await backupAction({ mode: "drill" });
    expect(noTarget.code).toBe(2);
    expect(noTarget.stdout).toMatch(/target-url: is required in mode drill/);
    const prune = await backupAction({ mode: "prune", "keep-daily": "7" });
    expect(prune.code).toBe(2);
    expect(prune.stdout).toMatch(/keep-weekly: is required in mode prune/);
    expect(prune.stdout).toMatch(/keep-monthly: is required in mode prune/);
    const badUrl = await backupAction({ mode: "backup", "database-url": "mysql://u:CANARY@h/db" });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stdout).toMatch(/database-url: must be a postgres:\/\/ URL/);
    expect(visible(badUrl)).not.toContain("CANARY");
    const badStore = await backupAction({ mode: "backup", "database-url": appUrl, store: "s3://b/x" });
    expect(badStore.code).toBe(2);
    expect(badStore.stdout).toMatch(/store must be file:\/\/\/path\/to\/dir or gs:\/\/bucket\/prefix/);
  }, 60_000);
});
