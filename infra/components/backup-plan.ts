import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { API_LIMITS } from "../api-limits.ts";
import type { PendingWork, ScheduledWork } from "../schedules.ts";
import {
  defaultKeep,
  type PostgresBackupArgs,
  PostgresBackups,
  pruneHorizonDays,
} from "./postgres-backups.ts";

export interface BackupPlanArgs {
  /**
   * The Storage Transfer API's enablement: the service-agent lookup is an invoke, which the
   * environment's transformation cannot make wait, so it names the API's Service itself.
   */
  transferApi?: pulumi.Resource | undefined;
  project: string;
  projectNumber: string;
  region: string;
  environment: string;
  app: string;
  location: string;
  secondaryLocation: string;
  retentionDays: number;
  coldAfterDays: number;
  /** Stateful resources refuse `pulumi destroy` and replacement unless unprotected first. */
  protect: boolean;
  postgres?:
    | Omit<
        PostgresBackupArgs,
        "project" | "region" | "environment" | "app" | "retentionDays" | "drillSchedule"
      >
    | undefined;
  firestore?: { database: string } | undefined;
  cloudSql?:
    | {
        databaseVersion: string;
        tier: string;
        edition: "ENTERPRISE" | "ENTERPRISE_PLUS";
        highAvailability: boolean;
        pointInTimeRecovery: boolean;
        network?: string | undefined;
      }
    | undefined;
  restoreDrillSchedule: string;
}

const DAY = 86_400;

/**
 * The storage class a backup moves to once cold, given how long it stays there: a class with a
 * minimum storage duration longer than that would bill the early deletion.
 */
export function coldStorageClass(daysCold: number): "COLDLINE" | "NEARLINE" | undefined {
  if (daysCold >= 90) return "COLDLINE";
  if (daysCold >= 30) return "NEARLINE";
  return undefined;
}

/**
 * The soft-delete window: as long as the backups are kept, within what GCS accepts (0, or 7 to 90
 * days). A week of backups or less still gets GCS's 7-day minimum: a deleted dump stays
 * recoverable a few days past its retention, which costs little and refuses nothing.
 */
export function softDeleteDays(retentionDays: number): number {
  return Math.min(Math.max(retentionDays, API_LIMITS.softDeleteMinDays), API_LIMITS.softDeleteMaxDays);
}

/**
 * The copy keeps each backup as long as the primary may: retentionDays, or, where garde prune
 * owns the primary's retention, at least as long as the oldest backup prune keeps (a monthly one
 * of two months ago), so every kept backup has its copy.
 */
export function copyRetentionDays(args: BackupPlanArgs): number {
  if (!args.postgres?.drill) return args.retentionDays;
  const keep = args.postgres.keep ?? defaultKeep(args.retentionDays);
  return Math.max(args.retentionDays, pruneHorizonDays(keep));
}

/**
 * Backup buckets keep object versions and a soft-delete window: GCS refuses versioning together
 * with a retention policy, and dumps are never overwritten (each has its own name), so the
 * guard against a mistaken or malicious delete is soft delete, up to GCS's 90 days.
 */
function bucketArgs(
  args: BackupPlanArgs,
  name: string,
  location: string,
  storageClass: string,
  /** When a backup is deleted by age; null where garde prune owns retention. */
  deleteAfterDays: number | null,
) {
  const cold = coldStorageClass(args.retentionDays - args.coldAfterDays);
  return {
    project: args.project,
    name,
    location,
    storageClass,
    versioning: { enabled: true },
    softDeletePolicy: { retentionDurationSeconds: softDeleteDays(args.retentionDays) * DAY },
    publicAccessPrevention: "enforced",
    uniformBucketLevelAccess: true,
    forceDestroy: false,
    lifecycleRules: [
      ...(cold && storageClass !== cold
        ? [
            {
              action: { type: "SetStorageClass", storageClass: cold },
              condition: { age: args.coldAfterDays },
            },
          ]
        : []),
      // A backup lives its days, then becomes a noncurrent version kept one more week. Where
      // garde prune owns retention (after each passing drill), an age rule could delete the last
      // backup proven to restore: it is left out there.
      ...(deleteAfterDays === null
        ? []
        : [{ action: { type: "Delete" }, condition: { age: deleteAfterDays, withState: "LIVE" } }]),
      { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 7, withState: "ARCHIVED" } },
    ],
    labels: { environment: args.environment, app: args.app, "managed-by": "garde" },
  };
}

/**
 * 3-2-1 backups: a primary bucket, a copy in another location made daily by Storage Transfer,
 * each datastore dumped or backed up on the seed calendar (00:30) with its executor, and the
 * restore drill once its runner exists.
 */
export class BackupPlan extends pulumi.ComponentResource {
  readonly bucket: pulumi.Output<string>;
  readonly secondaryBucket: pulumi.Output<string>;
  readonly schedules: ScheduledWork[] = [];
  readonly pending: PendingWork[] = [];
  readonly warnings: string[] = [];

  constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:gcp:BackupPlan", name, {}, opts);
    const stateful = { parent: this, protect: args.protect };
    const prunedByGarde = Boolean(args.postgres?.drill);
    const bucketName = `${args.project}-${args.app}-${args.environment}-backups`;
    const primary = new gcp.storage.Bucket(
      `${name}-primary`,
      bucketArgs(args, bucketName, args.location, "STANDARD", prunedByGarde ? null : args.retentionDays),
      stateful,
    );
    const secondary = new gcp.storage.Bucket(
      `${name}-secondary`,
      bucketArgs(
        args,
        `${bucketName}-copy`,
        args.secondaryLocation,
        args.retentionDays >= 30 ? "NEARLINE" : "STANDARD",
        copyRetentionDays(args),
      ),
      stateful,
    );
    this.secondCopy(name, args, primary, secondary, bucketName);
    if (args.postgres) this.postgres(name, args, args.postgres, primary, bucketName);
    if (args.firestore) this.firestore(name, args, args.firestore.database);
    if (args.cloudSql) this.cloudSql(name, args, args.cloudSql, stateful);

    if (!args.postgres)
      this.pending.push({
        what: "restore drill",
        schedule: args.restoreDrillSchedule,
        waitingFor:
          "garde:backups.postgres: garde drills its own PostgreSQL dumps; restore Firestore and Cloud SQL backups by hand",
      });

    this.bucket = primary.name;
    this.secondaryBucket = secondary.name;
    this.registerOutputs({ bucket: this.bucket, secondaryBucket: this.secondaryBucket });
  }

  /**
   * A daily second copy in another location. Storage Transfer runs as the project's transfer
   * service agent: it reads the primary and writes the copy.
   */
  private secondCopy(
    name: string,
    args: BackupPlanArgs,
    primary: gcp.storage.Bucket,
    secondary: gcp.storage.Bucket,
    bucketName: string,
  ): void {
    const parent = { parent: this };
    const bucketRole = (
      key: string,
      bucket: gcp.storage.Bucket,
      role: string,
      member: pulumi.Input<string>,
    ) => new gcp.storage.BucketIAMMember(`${name}-${key}`, { bucket: bucket.name, role, member }, parent);

    // The lookup also creates the agent on a project that never used it; it 403s until the
    // Storage Transfer API is on, so it waits for that API's Service on a first apply.
    const transferAgent = gcp.storage.getTransferProjectServiceAccountOutput(
      { project: args.project },
      { ...parent, ...(args.transferApi ? { dependsOn: [args.transferApi] } : {}) },
    );
    const agent = pulumi.interpolate`serviceAccount:${transferAgent.email}`;
    const grants = [
      bucketRole("copy-reads-objects", primary, "roles/storage.objectViewer", agent),
      bucketRole("copy-reads-bucket", primary, "roles/storage.legacyBucketReader", agent),
      bucketRole("copy-writes", secondary, "roles/storage.legacyBucketWriter", agent),
    ];
    new gcp.storage.TransferJob(
      `${name}-copy`,
      {
        project: args.project,
        description: `Daily second copy of ${args.app} ${args.environment} backups`,
        transferSpec: {
          gcsDataSource: { bucketName: primary.name },
          gcsDataSink: { bucketName: secondary.name },
          transferOptions: { overwriteWhen: "DIFFERENT" },
        },
        schedule: {
          scheduleStartDate: { year: 2026, month: 1, day: 1 },
          startTimeOfDay: { hours: 2, minutes: 0, seconds: 0, nanos: 0 },
          repeatInterval: "86400s",
        },
      },
      { parent: this, dependsOn: grants },
    );
    this.schedules.push({
      what: "second copy of the backups",
      schedule: "daily 02:00",
      timeZone: "UTC",
      executor: { kind: "storage-transfer-job", name: `${name}-copy` },
      output: `gs://${bucketName}-copy in ${args.secondaryLocation}`,
      retentionDays: args.retentionDays,
    });
  }

  /** garde's own PostgreSQL dumps into the primary bucket, and their drill, on schedule. */
  private postgres(
    name: string,
    args: BackupPlanArgs,
    pg: NonNullable<BackupPlanArgs["postgres"]>,
    primary: gcp.storage.Bucket,
    bucketName: string,
  ): void {
    const postgres = new PostgresBackups(
      `${name}-pg`,
      {
        ...pg,
        project: args.project,
        region: args.region,
        environment: args.environment,
        app: args.app,
        retentionDays: args.retentionDays,
        drillSchedule: args.restoreDrillSchedule,
        bucket: primary.name,
        bucketName,
      },
      { parent: this },
    );
    this.schedules.push(...postgres.schedules);
    this.pending.push(...postgres.pending);
  }

  /**
   * Firestore caps a daily schedule's retention at 7 days and a weekly one's at 14 weeks: a
   * daily schedule for the last week, a weekly one for the rest of the history.
   */
  private firestore(name: string, args: BackupPlanArgs, database: string) {
    const daily = Math.min(args.retentionDays, API_LIMITS.firestoreDailyRetentionDays);
    new gcp.firestore.BackupSchedule(
      `${name}-firestore-daily`,
      { project: args.project, database, retention: `${daily * DAY}s`, dailyRecurrence: {} },
      { parent: this },
    );
    this.schedules.push({
      what: `firestore ${database} backup`,
      schedule: "daily",
      timeZone: "UTC",
      executor: { kind: "firestore-backup-schedule", name: `${name}-firestore-daily` },
      retentionDays: daily,
    });
    if (args.retentionDays > daily) {
      new gcp.firestore.BackupSchedule(
        `${name}-firestore-weekly`,
        {
          project: args.project,
          database,
          retention: `${args.retentionDays * DAY}s`,
          weeklyRecurrence: { day: "SUNDAY" },
        },
        { parent: this },
      );
      this.schedules.push({
        what: `firestore ${database} backup`,
        schedule: "weekly (Sunday)",
        timeZone: "UTC",
        executor: { kind: "firestore-backup-schedule", name: `${name}-firestore-weekly` },
        retentionDays: args.retentionDays,
      });
    }
  }

  private cloudSql(
    name: string,
    args: BackupPlanArgs,
    sql: NonNullable<BackupPlanArgs["cloudSql"]>,
    stateful: pulumi.CustomResourceOptions,
  ) {
    const postgres = sql.databaseVersion.startsWith("POSTGRES");
    new gcp.sql.DatabaseInstance(
      `${name}-cloudsql`,
      {
        project: args.project,
        name: `${args.app}-${args.environment}`,
        region: args.region,
        databaseVersion: sql.databaseVersion,
        deletionProtection: args.protect,
        settings: {
          tier: sql.tier,
          // Always said: left out, PostgreSQL 16 gets ENTERPRISE_PLUS, which refuses this tier.
          edition: sql.edition,
          availabilityType: sql.highAvailability ? "REGIONAL" : "ZONAL",
          deletionProtectionEnabled: args.protect,
          backupConfiguration: {
            enabled: true,
            startTime: "00:30",
            // PostgreSQL keeps WAL for point-in-time recovery; MySQL does it with binary logs.
            ...(postgres
              ? { pointInTimeRecoveryEnabled: sql.pointInTimeRecovery }
              : { binaryLogEnabled: sql.pointInTimeRecovery }),
            transactionLogRetentionDays: Math.min(API_LIMITS.cloudSqlLogRetentionDays, args.retentionDays),
            backupRetentionSettings: { retainedBackups: args.retentionDays, retentionUnit: "COUNT" },
          },
          // Private IP needs a VPC with private services access. Without one, a public IP that no
          // network may reach directly: only the Cloud SQL Auth Proxy (IAM + TLS) connects.
          ipConfiguration: sql.network
            ? { ipv4Enabled: false, privateNetwork: sql.network, sslMode: "ENCRYPTED_ONLY" }
            : { ipv4Enabled: true, authorizedNetworks: [], sslMode: "ENCRYPTED_ONLY" },
        },
      },
      stateful,
    );
    if (sql.network)
      this.warnings.push(
        `Cloud SQL ${args.app}-${args.environment} uses private IP on ${sql.network}: that VPC needs private services access (gcloud services vpc-peerings connect) before pulumi up`,
      );
    this.schedules.push({
      what: `cloud sql backup${sql.pointInTimeRecovery ? (postgres ? " + point-in-time recovery (WAL)" : " + point-in-time recovery (binary logs)") : ""}`,
      schedule: "daily 00:30",
      timeZone: "UTC",
      executor: { kind: "cloud-sql-automated-backups", name: `${name}-cloudsql` },
      retentionDays: args.retentionDays,
    });
  }
}
