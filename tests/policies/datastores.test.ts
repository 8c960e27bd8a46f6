import { describe, expect, it } from "vitest";
import {
  cloudSqlBackupsAndRecovery,
  prodDatastoreBackups,
  prodDatastoreRestoreDrill,
  prodDeletionProtection,
} from "../../policies/datastores.ts";
import { copy, type Fake, resourceViolations, stackViolations } from "./util.ts";

const STORE = "gs://acme-shop-prod-backups/postgres";

const cronJob = (name: string, container: Record<string, unknown>): Fake => ({
  type: "kubernetes:batch/v1:CronJob",
  name,
  props: { spec: { jobTemplate: { spec: { template: { spec: { containers: [container] } } } } } },
});

/** What garde declares for a PostgreSQL app in prod: its URL on Vercel, a backup job, a drill job. */
const postgresStack = (): Fake[] => [
  {
    type: "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
    name: "web-env-database_url",
    props: { key: "DATABASE_URL", sensitive: true },
  },
  cronJob("pg-backup", {
    name: "garde-backup",
    args: ["backup", "--database-url-env", "DATABASE_URL", "--store", STORE],
    env: [{ name: "DATABASE_URL" }],
  }),
  cronJob("pg-drill", {
    name: "garde-drill",
    command: ["/bin/sh", "-c"],
    args: [
      `set -eu; garde drill --store ${STORE} --target-url-env DRILL_TARGET_URL && garde prune --store ${STORE}`,
    ],
  }),
];

const cloudSql = (version = "POSTGRES_15"): Fake => ({
  type: "gcp:sql/databaseInstance:DatabaseInstance",
  name: "shop-prod-backups-cloudsql",
  protect: true,
  props: {
    name: "shop-prod",
    databaseVersion: version,
    deletionProtection: true,
    settings: {
      deletionProtectionEnabled: true,
      backupConfiguration: { enabled: true, pointInTimeRecoveryEnabled: true },
    },
  },
});

describe("prod-datastore-backups", () => {
  it("passes a PostgreSQL app dumped by garde backup", async () => {
    expect(await stackViolations(prodDatastoreBackups, postgresStack())).toEqual([]);
  });

  it("fails when the app reads DATABASE_URL and nothing dumps it", async () => {
    const stack = postgresStack().filter((r) => r.name !== "pg-backup");
    expect(await stackViolations(prodDatastoreBackups, stack)).toEqual([
      "the app reads a PostgreSQL database (DATABASE_URL) and no job runs garde backup: nothing dumps it",
    ]);
  });

  it("fails Cloud SQL with automated backups off, and Firestore without a schedule", async () => {
    const sql = copy(cloudSql());
    (sql.props.settings as { backupConfiguration: { enabled: boolean } }).backupConfiguration.enabled = false;
    const firestore: Fake = {
      type: "gcp:firestore/database:Database",
      name: "db",
      props: { name: "tenants" },
    };
    expect(await stackViolations(prodDatastoreBackups, [sql, firestore])).toEqual([
      "shop-prod-backups-cloudsql: Cloud SQL instance shop-prod has automated backups off",
      "db: Firestore database tenants has no backup schedule",
    ]);
  });
});

describe("prod-datastore-restore-drill", () => {
  it("passes dumps that a garde drill reads back", async () => {
    expect(await stackViolations(prodDatastoreRestoreDrill, postgresStack())).toEqual([]);
  });

  it("fails dumps nobody restores", async () => {
    const stack = postgresStack().filter((r) => r.name !== "pg-drill");
    expect(await stackViolations(prodDatastoreRestoreDrill, stack)).toEqual([
      `pg-backup: the dumps garde backup writes to ${STORE} are never restored: no garde drill reads that store`,
    ]);
  });

  it("fails a drill of another store than the backup's", async () => {
    const stack = copy(postgresStack());
    const drill = stack[2] as Fake;
    drill.props = JSON.parse(JSON.stringify(drill.props).replaceAll(STORE, "gs://elsewhere/postgres"));
    expect(await stackViolations(prodDatastoreRestoreDrill, stack)).toHaveLength(1);
  });

  it("says garde cannot drill a MySQL instance or Firestore", async () => {
    const schedule: Fake = {
      type: "gcp:firestore/backupSchedule:BackupSchedule",
      name: "firestore-daily",
      props: { database: "(default)" },
    };
    expect(await stackViolations(prodDatastoreRestoreDrill, [cloudSql("MYSQL_8_0"), schedule])).toEqual([
      "shop-prod-backups-cloudsql: Cloud SQL instance shop-prod has no restore drill: garde drills PostgreSQL dumps, not MYSQL_8_0",
      "firestore-daily: Firestore database (default) has no restore drill: garde cannot restore Firestore backups yet",
    ]);
  });
});

describe("cloudsql-backups-pitr", () => {
  it("passes backups with point-in-time recovery", async () => {
    expect(await resourceViolations(cloudSqlBackupsAndRecovery, cloudSql())).toEqual([]);
  });

  it("fails PostgreSQL without WAL recovery", async () => {
    const sql = copy(cloudSql());
    (
      sql.props.settings as { backupConfiguration: Record<string, unknown> }
    ).backupConfiguration.pointInTimeRecoveryEnabled = false;
    expect(await resourceViolations(cloudSqlBackupsAndRecovery, sql)).toEqual([
      "Cloud SQL instance shop-prod cannot recover to a point in time: pointInTimeRecoveryEnabled is off",
    ]);
  });

  it("asks MySQL for binary logs instead", async () => {
    expect(await resourceViolations(cloudSqlBackupsAndRecovery, cloudSql("MYSQL_8_0"))).toEqual([
      "Cloud SQL instance shop-prod cannot recover to a point in time: binaryLogEnabled is off",
    ]);
  });
});

describe("prod-deletion-protection", () => {
  it("passes a protected instance with the provider's protection on", async () => {
    expect(await resourceViolations(prodDeletionProtection, cloudSql())).toEqual([]);
  });

  it("fails an instance Pulumi may destroy", async () => {
    const sql = { ...cloudSql(), protect: false };
    expect(await resourceViolations(prodDeletionProtection, sql)).toEqual([
      "Cloud SQL instance shop-prod is not protected: pulumi destroy deletes it",
    ]);
  });

  it("fails a backup bucket with forceDestroy", async () => {
    const bucket: Fake = {
      type: "gcp:storage/bucket:Bucket",
      protect: true,
      props: { name: "acme-shop-prod-backups", forceDestroy: true },
    };
    expect(await resourceViolations(prodDeletionProtection, bucket)).toEqual([
      "backup bucket acme-shop-prod-backups has forceDestroy: deleting it deletes every backup in it",
    ]);
  });
});
