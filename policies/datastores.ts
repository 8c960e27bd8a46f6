import * as gcp from "@pulumi/gcp";
import {
  type PolicyConfigSchema,
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { backupBucketSchema, isBackupBucket } from "./buckets.ts";
import { at, settingsOf } from "./props.ts";
import { containersOf, type GardeJob, gardeJobsOf } from "./workloads.ts";

/** Datastores: each one in prod is backed up on a schedule, and its backups proven by a restore. */

const SQL = "gcp:sql/databaseInstance:DatabaseInstance";
const FIRESTORE_DB = "gcp:firestore/database:Database";
const FIRESTORE_SCHEDULE = "gcp:firestore/backupSchedule:BackupSchedule";
const VERCEL_ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable";

interface Located extends GardeJob {
  resource: PolicyResource;
}

function gardeJobs(resources: PolicyResource[]): Located[] {
  return resources.flatMap((resource) =>
    containersOf(resource.type, resource.props).flatMap((c) =>
      gardeJobsOf(c).map((job) => ({ ...job, resource })),
    ),
  );
}

/** Firestore databases the stack declares or schedules backups of, by database id. */
function firestoreDatabases(resources: PolicyResource[]): Map<string, PolicyResource> {
  const found = new Map<string, PolicyResource>();
  for (const r of resources) {
    if (r.type === FIRESTORE_DB) found.set(String(r.props.name ?? "(default)"), r);
    if (r.type === FIRESTORE_SCHEDULE && !found.has(String(r.props.database ?? "(default)")))
      found.set(String(r.props.database ?? "(default)"), r);
  }
  return found;
}

const urlSchema: PolicyConfigSchema = {
  properties: {
    databaseUrlPattern: {
      type: "string",
      default: "^(DATABASE_URL|POSTGRES(QL)?_URL|PG_URL|[A-Z0-9_]*_DB_URL)$",
      description: "Environment variable names that hand the app a PostgreSQL connection string",
    },
  },
};

/** The variables that give an app a PostgreSQL database garde should dump: Vercel's and the pods'. */
function databaseUrlVariables(resources: PolicyResource[], pattern: RegExp): string[] {
  const names = new Set<string>();
  for (const r of resources) {
    if (r.type === VERCEL_ENV && pattern.test(String(r.props.key))) names.add(String(r.props.key));
    for (const c of containersOf(r.type, r.props))
      if (!gardeJobsOf(c).length) for (const e of c.env ?? []) if (pattern.test(e.name)) names.add(e.name);
  }
  return [...names].sort();
}

export const prodDatastoreBackups: StackValidationPolicy = {
  name: "prod-datastore-backups",
  description:
    "Every production datastore is backed up on a schedule: Cloud SQL automated backups, a Firestore backup schedule, garde backup for a PostgreSQL database the app reaches by URL.",
  severity: "critical",
  tags: ["backups", "production"],
  remediationSteps:
    "Add garde:backups to the stack: cloudSql, firestore, or postgres (garde backup on the seeds' 00:30) for the database the app uses.",
  configSchema: urlSchema,
  validateStack: (args, report) => {
    const { databaseUrlPattern } = settingsOf<{ databaseUrlPattern: string }>(urlSchema, args.getConfig());
    for (const sql of args.resources.filter((r) => r.type === SQL))
      if (at(sql.props, "settings.backupConfiguration.enabled") !== true)
        report(`Cloud SQL instance ${sql.props.name} has automated backups off`, sql.urn);
    const scheduled = new Set(
      args.resources.filter((r) => r.type === FIRESTORE_SCHEDULE).map((r) => String(r.props.database)),
    );
    for (const [id, db] of firestoreDatabases(args.resources))
      if (!scheduled.has(id)) report(`Firestore database ${id} has no backup schedule`, db.urn);
    const urls = databaseUrlVariables(args.resources, new RegExp(databaseUrlPattern));
    if (urls.length && !gardeJobs(args.resources).some((j) => j.kind === "backup"))
      report(
        `the app reads a PostgreSQL database (${urls.join(", ")}) and no job runs garde backup: nothing dumps it`,
      );
  },
};

export const prodDatastoreRestoreDrill: StackValidationPolicy = {
  name: "prod-datastore-restore-drill",
  description:
    "Every production backup is proven by a scheduled restore drill: a backup never restored is a hope, not a backup.",
  severity: "high",
  tags: ["backups", "production"],
  remediationSteps:
    "Add garde:backups.drill (a server the drill may create scratch databases on): garde drill restores each dump and checks it. For a datastore garde cannot restore, override this policy in garde:policies with the reason and how it is drilled.",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const jobs = gardeJobs(args.resources);
    const drilled = new Set(jobs.filter((j) => j.kind === "drill").map((j) => j.store));
    for (const backup of jobs.filter((j) => j.kind === "backup"))
      if (!drilled.has(backup.store))
        report(
          `the dumps garde backup writes to ${backup.store} are never restored: no garde drill reads that store`,
          backup.resource.urn,
        );
    for (const sql of args.resources.filter((r) => r.type === SQL))
      report(
        String(sql.props.databaseVersion).startsWith("POSTGRES")
          ? `Cloud SQL instance ${sql.props.name} has no restore drill: dump it with garde:backups.postgres (via scheduler) and drill those dumps`
          : `Cloud SQL instance ${sql.props.name} has no restore drill: garde drills PostgreSQL dumps, not ${sql.props.databaseVersion}`,
        sql.urn,
      );
    for (const [id, db] of firestoreDatabases(args.resources))
      report(
        `Firestore database ${id} has no restore drill: garde cannot restore Firestore backups yet`,
        db.urn,
      );
  },
};

export const cloudSqlBackupsAndRecovery: ResourceValidationPolicy = {
  name: "cloudsql-backups-pitr",
  description:
    "Cloud SQL keeps automated backups and point-in-time recovery (WAL for PostgreSQL, binary logs for MySQL).",
  severity: "high",
  tags: ["backups"],
  remediationSteps:
    "Set settings.backupConfiguration.enabled and pointInTimeRecoveryEnabled (PostgreSQL) or binaryLogEnabled (MySQL): garde:backups.cloudSql.pointInTimeRecovery.",
  configSchema: { properties: {} },
  validateResource: validateResourceOfType(gcp.sql.DatabaseInstance, (instance, _args, report) => {
    const backups = instance.settings?.backupConfiguration;
    if (backups?.enabled !== true) report(`Cloud SQL instance ${instance.name} has automated backups off`);
    const postgres = instance.databaseVersion.startsWith("POSTGRES");
    const recovery = postgres ? backups?.pointInTimeRecoveryEnabled : backups?.binaryLogEnabled;
    if (recovery !== true)
      report(
        `Cloud SQL instance ${instance.name} cannot recover to a point in time: ${postgres ? "pointInTimeRecoveryEnabled" : "binaryLogEnabled"} is off`,
      );
  }),
};

export const prodDeletionProtection: ResourceValidationPolicy = {
  name: "prod-deletion-protection",
  description:
    "Production datastores refuse deletion: Pulumi's protect option, and the provider's own deletion protection where it has one.",
  severity: "critical",
  tags: ["backups", "production"],
  remediationSteps:
    "Declare the resource with { protect: true } and turn on its deletion protection (Cloud SQL deletionProtection and settings.deletionProtectionEnabled; Firestore deleteProtectionState; no forceDestroy on buckets).",
  configSchema: backupBucketSchema,
  validateResource: [
    validateResourceOfType(gcp.sql.DatabaseInstance, (instance, args, report) => {
      if (!args.opts.protect)
        report(`Cloud SQL instance ${instance.name} is not protected: pulumi destroy deletes it`);
      if (instance.deletionProtection === false || instance.settings?.deletionProtectionEnabled !== true)
        report(
          `Cloud SQL instance ${instance.name} can be deleted from the console or API: deletion protection is off`,
        );
    }),
    validateResourceOfType(gcp.firestore.Database, (db, args, report) => {
      if (!args.opts.protect)
        report(`Firestore database ${db.name} is not protected: pulumi destroy deletes it`);
      if (db.deleteProtectionState !== "DELETE_PROTECTION_ENABLED")
        report(
          `Firestore database ${db.name} can be deleted: deleteProtectionState is not DELETE_PROTECTION_ENABLED`,
        );
    }),
    validateResourceOfType(gcp.storage.Bucket, (bucket, args, report) => {
      if (!isBackupBucket(bucket, args.getConfig())) args.notApplicable("not a backup bucket");
      if (!args.opts.protect)
        report(`backup bucket ${bucket.name} is not protected: pulumi destroy deletes it`);
      if (bucket.forceDestroy === true)
        report(`backup bucket ${bucket.name} has forceDestroy: deleting it deletes every backup in it`);
    }),
  ],
};

export const DATASTORE_POLICIES = [
  prodDatastoreBackups,
  prodDatastoreRestoreDrill,
  cloudSqlBackupsAndRecovery,
  prodDeletionProtection,
];
