import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { API_LIMITS } from "../api-limits.ts";
import { accountId, type PendingWork, type ScheduledWork } from "../schedules.ts";

/**
 * The restore drill's runner: the hook the backup issue (#12, `garde backup drill`) fills. Until
 * a runner is given, the drill is not scheduled (nothing would consume it) and plan warns.
 */
export type RestoreDrillRunner = (scope: {
  parent: pulumi.Resource;
  bucket: pulumi.Output<string>;
  schedule: string;
}) => ScheduledWork;

export interface BackupPlanArgs {
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
    | {
        schedule: string;
        via: "kubernetes" | "scheduler";
        serverVersion: number;
        databaseUrlSecret: string;
        /** via kubernetes: the app's namespace and cluster. */
        namespace?: pulumi.Input<string> | undefined;
        provider?: k8s.Provider | undefined;
        /** via scheduler: the Secret Manager secret (full id) holding DATABASE_URL. */
        secretId?: pulumi.Input<string> | undefined;
      }
    | undefined;
  firestore?: { database: string } | undefined;
  cloudSql?:
    | {
        databaseVersion: string;
        tier: string;
        highAvailability: boolean;
        pointInTimeRecovery: boolean;
        network?: string | undefined;
      }
    | undefined;
  restoreDrillSchedule: string;
  restoreDrill?: RestoreDrillRunner | undefined;
}

const TIME_ZONE = "Europe/Paris";
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
 * Backup buckets keep object versions and a soft-delete window: GCS refuses versioning together
 * with a retention policy, and dumps are never overwritten (each has its own name), so the
 * guard against a mistaken or malicious delete is soft delete, up to GCS's 90 days.
 */
function bucketArgs(args: BackupPlanArgs, name: string, location: string, storageClass: string) {
  const cold = coldStorageClass(args.retentionDays - args.coldAfterDays);
  return {
    project: args.project,
    name,
    location,
    storageClass,
    versioning: { enabled: true },
    softDeletePolicy: {
      retentionDurationSeconds: Math.min(args.retentionDays, API_LIMITS.softDeleteMaxDays) * DAY,
    },
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
      // A backup lives retentionDays, then becomes a noncurrent version kept one more week.
      { action: { type: "Delete" }, condition: { age: args.retentionDays, withState: "LIVE" } },
      { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 7, withState: "ARCHIVED" } },
    ],
    labels: { environment: args.environment, app: args.app, "managed-by": "garde" },
  };
}

/** The dump command: pg_dump writes the file itself, so a failed dump exits non-zero. */
const pgDumpScript = (dir: string) =>
  [
    "set -eu",
    `mkdir -p ${dir}`,
    `pg_dump --format=custom --no-owner --file="${dir}/$(date -u +%Y%m%dT%H%M%SZ).dump" "$DATABASE_URL"`,
  ].join("\n");

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
    const parent = { parent: this };
    const stateful = { parent: this, protect: args.protect };
    const bucketName = `${args.project}-${args.app}-${args.environment}-backups`;
    const primary = new gcp.storage.Bucket(
      `${name}-primary`,
      bucketArgs(args, bucketName, args.location, "STANDARD"),
      stateful,
    );
    const secondary = new gcp.storage.Bucket(
      `${name}-secondary`,
      bucketArgs(
        args,
        `${bucketName}-copy`,
        args.secondaryLocation,
        args.retentionDays >= 30 ? "NEARLINE" : "STANDARD",
      ),
      stateful,
    );
    const bucketRole = (
      key: string,
      bucket: gcp.storage.Bucket,
      role: string,
      member: pulumi.Input<string>,
    ) => new gcp.storage.BucketIAMMember(`${name}-${key}`, { bucket: bucket.name, role, member }, parent);

    // Storage Transfer runs as the project's transfer service agent: it reads the primary and
    // writes the copy. The lookup also creates the agent on a project that never used it.
    const transferAgent = gcp.storage.getTransferProjectServiceAccountOutput(
      { project: args.project },
      parent,
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

    if (args.postgres) this.postgres(name, args, args.postgres, primary, bucketName, bucketRole);
    if (args.firestore) this.firestore(name, args, args.firestore.database);
    if (args.cloudSql) this.cloudSql(name, args, args.cloudSql, stateful);

    if (args.restoreDrill) {
      this.schedules.push(
        args.restoreDrill({ parent: this, bucket: primary.name, schedule: args.restoreDrillSchedule }),
      );
    } else {
      this.pending.push({
        what: "restore drill",
        schedule: args.restoreDrillSchedule,
        waitingFor:
          "its runner (garde backup drill, the backup issue #12); restore a dump by hand until then",
      });
    }

    this.bucket = primary.name;
    this.secondaryBucket = secondary.name;
    this.registerOutputs({ bucket: this.bucket, secondaryBucket: this.secondaryBucket });
  }

  private postgres(
    name: string,
    args: BackupPlanArgs,
    pg: NonNullable<BackupPlanArgs["postgres"]>,
    primary: gcp.storage.Bucket,
    bucketName: string,
    bucketRole: (key: string, b: gcp.storage.Bucket, role: string, member: pulumi.Input<string>) => unknown,
  ) {
    const parent = { parent: this };
    // pg_dump refuses a server newer than itself: the image follows the server's major version.
    const image = `postgres:${pg.serverVersion}-alpine`;
    const account = new gcp.serviceaccount.Account(
      `${name}-pg-dump-account`,
      {
        project: args.project,
        accountId: accountId("backup", args.environment, args.app),
        displayName: `garde pg_dump (${args.app} ${args.environment})`,
      },
      parent,
    );
    const writer = pulumi.interpolate`serviceAccount:${account.email}`;
    // Create and read (gcsfuse lists what it writes), never delete: a stolen token cannot erase history.
    bucketRole("pg-dump-creates", primary, "roles/storage.objectCreator", writer);
    bucketRole("pg-dump-lists", primary, "roles/storage.objectViewer", writer);
    const output = `gs://${bucketName}/postgres/`;

    if (pg.via === "kubernetes") {
      const k8sOpts = { parent: this, ...(pg.provider ? { provider: pg.provider } : {}) };
      const ksaName = `${args.app}-pg-backup`;
      new gcp.serviceaccount.IAMMember(
        `${name}-pg-dump-workload-identity`,
        {
          serviceAccountId: account.name,
          role: "roles/iam.workloadIdentityUser",
          member: pulumi.interpolate`serviceAccount:${args.project}.svc.id.goog[${pg.namespace}/${ksaName}]`,
        },
        parent,
      );
      const ksa = new k8s.core.v1.ServiceAccount(
        `${name}-pg-dump-ksa`,
        {
          metadata: {
            name: ksaName,
            namespace: pg.namespace,
            annotations: { "iam.gke.io/gcp-service-account": account.email },
          },
          automountServiceAccountToken: false,
        },
        k8sOpts,
      );
      const [secretName, secretKey = "DATABASE_URL"] = pg.databaseUrlSecret.split("/");
      new k8s.batch.v1.CronJob(
        `${name}-pg-dump`,
        {
          metadata: { name: ksaName, namespace: pg.namespace },
          spec: {
            schedule: pg.schedule,
            timeZone: TIME_ZONE,
            concurrencyPolicy: "Forbid",
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 5,
            jobTemplate: {
              spec: {
                backoffLimit: 2,
                activeDeadlineSeconds: 3600,
                template: {
                  metadata: { annotations: { "gke-gcsfuse/volumes": "true" } },
                  spec: {
                    restartPolicy: "Never",
                    serviceAccountName: ksa.metadata.name,
                    // The alpine postgres image's postgres user.
                    securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, fsGroup: 70 },
                    containers: [
                      {
                        name: "pg-dump",
                        image,
                        command: ["/bin/sh", "-c"],
                        args: [pgDumpScript("/backups/postgres")],
                        env: [
                          {
                            name: "DATABASE_URL",
                            valueFrom: { secretKeyRef: { name: secretName as string, key: secretKey } },
                          },
                        ],
                        volumeMounts: [{ name: "backups", mountPath: "/backups" }],
                        securityContext: {
                          allowPrivilegeEscalation: false,
                          capabilities: { drop: ["ALL"] },
                        },
                        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
                      },
                    ],
                    volumes: [
                      {
                        name: "backups",
                        csi: {
                          driver: "gcsfuse.csi.storage.gke.io",
                          volumeAttributes: {
                            bucketName: primary.name,
                            mountOptions: "implicit-dirs,uid=70,gid=70",
                          },
                        },
                      },
                    ],
                  },
                },
              },
            },
          },
        },
        k8sOpts,
      );
      this.schedules.push({
        what: "postgres dump",
        schedule: pg.schedule,
        timeZone: TIME_ZONE,
        executor: { kind: "kubernetes-cronjob", name: `${name}-pg-dump` },
        output,
        retentionDays: args.retentionDays,
      });
      return;
    }

    // A database outside the cluster: Cloud Scheduler starts a Cloud Run job that dumps it.
    new gcp.secretmanager.SecretIamMember(
      `${name}-pg-dump-reads-url`,
      {
        project: args.project,
        secretId: pg.secretId as pulumi.Input<string>,
        role: "roles/secretmanager.secretAccessor",
        member: writer,
      },
      parent,
    );
    const jobName = `${args.app}-${args.environment}-pg-dump`;
    const job = new gcp.cloudrunv2.Job(
      `${name}-pg-dump`,
      {
        project: args.project,
        location: args.region,
        name: jobName,
        template: {
          taskCount: 1,
          template: {
            serviceAccount: account.email,
            maxRetries: 2,
            timeout: "3600s",
            containers: [
              {
                image,
                commands: ["/bin/sh", "-c"],
                args: [pgDumpScript("/backups/postgres")],
                envs: [
                  {
                    name: "DATABASE_URL",
                    valueSource: {
                      secretKeyRef: { secret: pg.secretId as pulumi.Input<string>, version: "latest" },
                    },
                  },
                ],
                volumeMounts: [{ name: "backups", mountPath: "/backups" }],
                resources: { limits: { cpu: "1", memory: "1Gi" } },
              },
            ],
            volumes: [{ name: "backups", gcs: { bucket: primary.name, readOnly: false } }],
          },
        },
      },
      parent,
    );
    const invoker = new gcp.serviceaccount.Account(
      `${name}-scheduler-account`,
      {
        project: args.project,
        accountId: accountId("sched", args.environment, args.app),
        displayName: `garde scheduler (${args.app} ${args.environment})`,
      },
      parent,
    );
    const mayRun = new gcp.cloudrunv2.JobIamMember(
      `${name}-scheduler-runs-pg-dump`,
      {
        project: args.project,
        location: args.region,
        name: job.name,
        role: "roles/run.invoker",
        member: pulumi.interpolate`serviceAccount:${invoker.email}`,
      },
      parent,
    );
    new gcp.cloudscheduler.Job(
      `${name}-pg-dump-trigger`,
      {
        project: args.project,
        region: args.region,
        name: jobName,
        schedule: pg.schedule,
        timeZone: TIME_ZONE,
        attemptDeadline: "320s",
        retryConfig: { retryCount: 1 },
        httpTarget: {
          httpMethod: "POST",
          uri: `https://run.googleapis.com/v2/projects/${args.project}/locations/${args.region}/jobs/${jobName}:run`,
          oauthToken: {
            serviceAccountEmail: invoker.email,
            scope: "https://www.googleapis.com/auth/cloud-platform",
          },
        },
      },
      { parent: this, dependsOn: [mayRun] },
    );
    this.schedules.push({
      what: "postgres dump",
      schedule: pg.schedule,
      timeZone: TIME_ZONE,
      executor: { kind: "cloud-run-job", name: `${name}-pg-dump`, trigger: `${name}-pg-dump-trigger` },
      output,
      retentionDays: args.retentionDays,
    });
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
