import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface BackupPlanArgs {
  project: string;
  region: string;
  environment: string;
  app: string;
  location: string;
  secondaryLocation: string;
  retentionDays: number;
  coldAfterDays: number;
  /** PostgreSQL dumped by a CronJob in the app's namespace, on the seed calendar (00:30 daily). */
  postgres?:
    | {
        schedule: string;
        via: "kubernetes" | "scheduler";
        databaseUrlSecret: string;
        /** For via: kubernetes, the app's namespace and cluster. */
        namespace?: pulumi.Input<string> | undefined;
        provider?: k8s.Provider | undefined;
      }
    | undefined;
  firestore?: { database: string } | undefined;
  cloudSql?:
    | { databaseVersion: string; tier: string; highAvailability: boolean; pointInTimeRecovery: boolean }
    | undefined;
  restoreDrillSchedule: string;
}

/** What the inventory shows of each datastore's backups. */
export interface BackupSummary {
  datastore: string;
  how: string;
  schedule: string;
  retentionDays: number;
}

const bucketBase = (args: BackupPlanArgs) => ({
  project: args.project,
  versioning: { enabled: true },
  // Locked retention would make a mistaken setting permanent; an unlocked policy still blocks deletes.
  retentionPolicy: { retentionPeriod: String(args.retentionDays * 86_400) },
  publicAccessPrevention: "enforced",
  uniformBucketLevelAccess: true,
  lifecycleRules: [
    { action: { type: "SetStorageClass", storageClass: "COLDLINE" }, condition: { age: args.coldAfterDays } },
    { action: { type: "Delete" }, condition: { age: args.retentionDays + 1, withState: "ANY" } },
  ],
  labels: { environment: args.environment, "managed-by": "garde" },
});

/**
 * 3-2-1 backups: a primary bucket, a copy in another location made daily by Storage Transfer,
 * each datastore on a schedule with the environment's retention, and a monthly restore drill.
 */
export class BackupPlan extends pulumi.ComponentResource {
  readonly bucket: pulumi.Output<string>;
  readonly secondaryBucket: pulumi.Output<string>;
  readonly schedules: BackupSummary[] = [];

  constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:gcp:BackupPlan", name, {}, opts);
    const parent = { parent: this };
    const primary = new gcp.storage.Bucket(
      `${name}-primary`,
      {
        ...bucketBase(args),
        name: `${args.project}-${args.app}-${args.environment}-backups`,
        location: args.location,
        storageClass: "STANDARD",
      },
      parent,
    );
    const secondary = new gcp.storage.Bucket(
      `${name}-secondary`,
      {
        ...bucketBase(args),
        name: `${args.project}-${args.app}-${args.environment}-backups-copy`,
        location: args.secondaryLocation,
        storageClass: "NEARLINE",
      },
      parent,
    );
    new gcp.storage.TransferJob(
      `${name}-copy`,
      {
        project: args.project,
        description: `Daily second copy of ${args.app} ${args.environment} backups`,
        transferSpec: {
          gcsDataSource: { bucketName: primary.name },
          gcsDataSink: { bucketName: secondary.name },
        },
        schedule: {
          scheduleStartDate: { year: 2026, month: 1, day: 1 },
          startTimeOfDay: { hours: 2, minutes: 0, seconds: 0, nanos: 0 },
          repeatInterval: "86400s",
        },
      },
      parent,
    );

    // Scheduled work outside the cluster is a Pub/Sub message the backup workflow subscribes to.
    const jobs = new gcp.pubsub.Topic(
      `${name}-jobs`,
      { project: args.project, name: `${args.app}-${args.environment}-backup-jobs` },
      parent,
    );
    const scheduled = (key: string, schedule: string, message: Record<string, string>) =>
      new gcp.cloudscheduler.Job(
        `${name}-${key}`,
        {
          project: args.project,
          region: args.region,
          name: `${args.app}-${args.environment}-${key}`,
          schedule,
          timeZone: "Europe/Paris",
          pubsubTarget: {
            topicName: jobs.id,
            data: Buffer.from(JSON.stringify({ ...message, environment: args.environment })).toString(
              "base64",
            ),
          },
        },
        parent,
      );

    if (args.postgres?.via === "scheduler") {
      scheduled("pg-dump", args.postgres.schedule, {
        job: "pg_dump",
        databaseUrlSecret: args.postgres.databaseUrlSecret,
        bucket: `${args.project}-${args.app}-${args.environment}-backups`,
      });
      this.schedules.push({
        datastore: "postgres",
        how: "Cloud Scheduler → backup workflow (pg_dump → bucket)",
        schedule: args.postgres.schedule,
        retentionDays: args.retentionDays,
      });
    } else if (args.postgres) {
      const [secretName, secretKey = "DATABASE_URL"] = args.postgres.databaseUrlSecret.split("/");
      new k8s.batch.v1.CronJob(
        `${name}-pg-dump`,
        {
          metadata: { name: `${args.app}-pg-backup`, namespace: args.postgres.namespace },
          spec: {
            schedule: args.postgres.schedule,
            timeZone: "Europe/Paris",
            concurrencyPolicy: "Forbid",
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 5,
            jobTemplate: {
              spec: {
                backoffLimit: 2,
                template: {
                  metadata: { annotations: { "gke-gcsfuse/volumes": "true" } },
                  spec: {
                    restartPolicy: "Never",
                    containers: [
                      {
                        name: "pg-dump",
                        image: "postgres:15-alpine",
                        command: ["/bin/sh", "-c"],
                        args: [
                          'pg_dump --format=custom --no-owner "$DATABASE_URL" > "/backups/postgres/$(date -u +%Y%m%dT%H%M%SZ).dump"',
                        ],
                        env: [
                          {
                            name: "DATABASE_URL",
                            valueFrom: { secretKeyRef: { name: secretName as string, key: secretKey } },
                          },
                        ],
                        volumeMounts: [{ name: "backups", mountPath: "/backups" }],
                        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
                      },
                    ],
                    volumes: [
                      {
                        name: "backups",
                        csi: {
                          driver: "gcsfuse.csi.storage.gke.io",
                          volumeAttributes: { bucketName: primary.name },
                        },
                      },
                    ],
                  },
                },
              },
            },
          },
        },
        { parent: this, ...(args.postgres.provider ? { provider: args.postgres.provider } : {}) },
      );
      this.schedules.push({
        datastore: "postgres",
        how: "pg_dump CronJob → backup bucket",
        schedule: args.postgres.schedule,
        retentionDays: args.retentionDays,
      });
    }

    if (args.firestore) {
      new gcp.firestore.BackupSchedule(
        `${name}-firestore`,
        {
          project: args.project,
          database: args.firestore.database,
          retention: `${args.retentionDays * 86_400}s`,
          dailyRecurrence: {},
        },
        parent,
      );
      this.schedules.push({
        datastore: `firestore ${args.firestore.database}`,
        how: "Firestore backup schedule",
        schedule: "daily",
        retentionDays: args.retentionDays,
      });
    }

    if (args.cloudSql) {
      new gcp.sql.DatabaseInstance(
        `${name}-cloudsql`,
        {
          project: args.project,
          region: args.region,
          databaseVersion: args.cloudSql.databaseVersion,
          deletionProtection: args.environment === "prod",
          settings: {
            tier: args.cloudSql.tier,
            availabilityType: args.cloudSql.highAvailability ? "REGIONAL" : "ZONAL",
            deletionProtectionEnabled: args.environment === "prod",
            backupConfiguration: {
              enabled: true,
              startTime: "00:30",
              pointInTimeRecoveryEnabled: args.cloudSql.pointInTimeRecovery,
              transactionLogRetentionDays: Math.min(7, args.retentionDays),
              backupRetentionSettings: { retainedBackups: args.retentionDays, retentionUnit: "COUNT" },
            },
            ipConfiguration: { ipv4Enabled: false, sslMode: "ENCRYPTED_ONLY" },
          },
        },
        parent,
      );
      this.schedules.push({
        datastore: "cloud sql",
        how: `automated backups${args.cloudSql.pointInTimeRecovery ? " + point-in-time recovery" : ""}`,
        schedule: "daily 00:30",
        retentionDays: args.retentionDays,
      });
    }

    // The restore drill proves the dumps restore (monthly in the seeds, weekly for the Flask plan).
    scheduled("restore-drill", args.restoreDrillSchedule, { job: "restore-drill" });
    this.schedules.push({
      datastore: "all",
      how: "restore drill",
      schedule: args.restoreDrillSchedule,
      retentionDays: args.retentionDays,
    });

    this.bucket = primary.name;
    this.secondaryBucket = secondary.name;
    this.registerOutputs({ bucket: this.bucket, secondaryBucket: this.secondaryBucket });
  }
}
