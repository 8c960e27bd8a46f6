/**
 * The story's backup act: the sample app's database is backed up into Cloud Storage (the
 * emulator, through @google-cloud/storage), encrypted to an age key, then restored into a
 * scratch database and compared with its manifest, as the scheduled drill does in production.
 */
import { Storage } from "@google-cloud/storage";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { backupDatabase } from "../actions/lib/backup/backup.ts";
import type { SqlCheck } from "../actions/lib/backup/drill.ts";
import { drillBackup } from "../actions/lib/backup/drill.ts";
import { GcsStore } from "../actions/lib/backup/gcs-store.ts";
import { drillRows, drillVerdict, manifestRows } from "../actions/lib/backup/report.ts";
import type { Reporter } from "../actions/lib/reporter.ts";
import { systemClock } from "../actions/lib/reporter.ts";
import { formatTable } from "../actions/lib/smoke/report.ts";
import { VERSION } from "../actions/lib/version.ts";
import { GcsEmulator } from "./gcs-emulator.ts";
import { postgresBin, startPostgres } from "./postgres.ts";

/** The sample shop: roles and users (the Flask plan's RBAC), products, orders and their lines. */
const SHOP = `
  CREATE TABLE roles (id int PRIMARY KEY, name text UNIQUE NOT NULL);
  CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE NOT NULL, role_id int NOT NULL REFERENCES roles);
  CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, price_cents int NOT NULL);
  CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, placed_at timestamptz NOT NULL);
  CREATE TABLE order_lines (order_id int NOT NULL REFERENCES orders, product_id int NOT NULL REFERENCES products,
                            quantity int NOT NULL, PRIMARY KEY (order_id, product_id));
  INSERT INTO roles VALUES (1, 'admin'), (2, 'manager'), (3, 'user');
  INSERT INTO users SELECT g, CASE WHEN g <= 2 THEN 'test' || g || '@example.com' ELSE 'u' || g || '@example.com' END, 1 + g % 3
    FROM generate_series(1, 5000) g;
  INSERT INTO products SELECT g, 'product ' || g, 100 + g FROM generate_series(1, 300) g;
  INSERT INTO orders SELECT g, 1 + g % 5000, now() - g * interval '1 minute' FROM generate_series(1, 20000) g;
  INSERT INTO order_lines SELECT o, 1 + (o + 97 * k) % 300, k FROM generate_series(1, 20000) o, generate_series(1, 3) k;
`;

const CHECKS: SqlCheck[] = [
  {
    name: "critical roles present",
    query: "SELECT count(*) FROM roles WHERE name IN ('admin', 'manager')",
    expect: { equals: 2 },
  },
  {
    name: "test accounts present",
    query: "SELECT count(*) FROM users WHERE email LIKE 'test%'",
    expect: { atLeast: 1 },
  },
  {
    name: "no order line without its order",
    query: "SELECT count(*) FROM order_lines l LEFT JOIN orders o ON o.id = l.order_id WHERE o.id IS NULL",
    expect: { equals: 0 },
  },
];

const indent = (text: string) => text.replace(/^/gm, "      ");

export async function backupStory(reporter: Reporter): Promise<void> {
  const db = await startPostgres();
  const gcs = new GcsEmulator({ buckets: ["shop-prod-backups"] });
  await gcs.start();
  try {
    const shopUrl = new URL(await db.createDatabase("shop", { sql: SHOP }));

    const storage = new Storage({ apiEndpoint: gcs.url, projectId: "garde-sandbox" });
    const store = new GcsStore("gs://shop-prod-backups/postgres", storage);
    const identity = await generateX25519Identity();
    const manifest = await backupDatabase({
      databaseUrl: shopUrl.href,
      store,
      pgBin: postgresBin,
      clock: systemClock,
      reporter,
      gardeVersion: VERSION,
      recipients: [await identityToRecipient(identity)],
    });
    console.log(`    ✓ garde backup → ${store.url}/${manifest.id}/`);
    console.log(indent(formatTable(manifestRows(manifest).map(([k, v]) => [`${k}:`, v ?? ""]))));

    const result = await drillBackup({
      store,
      targetUrl: db.adminUrl,
      pgBin: postgresBin,
      checks: CHECKS,
      ageIdentity: identity,
      clock: systemClock,
      reporter,
    });
    console.log(`    ${result.passed ? "✓" : "✗"} garde drill: ${drillVerdict(result)}`);
    console.log(indent(formatTable(drillRows(result))));
    if (!result.passed) throw new Error(`the restore drill failed: ${result.failure}`);
  } finally {
    await gcs.stop();
    db.stop();
  }
}
