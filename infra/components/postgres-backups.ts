import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SqlCheck } from "../../actions/lib/backup/drill.ts";
import { VERSION } from "../../actions/lib/version.ts";
import { accountId, type PendingWork, type ScheduledWork } from "../schedules.ts";

const TIME_ZONE = "Europe/Paris";

export interface PostgresBackupArgs {
  project: string;
  region: string;
  environment: string;
  app: string;
  retentionDays: number;
  schedule: string;
  via: "kubernetes" | "scheduler";
  serverVersion: number;
  databaseUrlSecret: string;
  image?: string | undefined;
  encryptTo?: readonly string[] | undefined;
  keep?: { daily: number; weekly: number; monthly: number } | undefined;
  drill?:
    | { targetUrlSecret: string; ageIdentitySecret?: string | undefined; checks: readonly SqlCheck[] }
    | undefined;
  drillSchedule: string;
  /** via kubernetes: the app's namespace and cluster. */
  namespace?: pulumi.Input<string> | undefined;
  /**
   * via kubernetes: a garde-secrets value by key. The stack creates the Kubernetes Secrets its
   * CronJobs read (NAME/KEY → Secret NAME, key KEY, from garde-secrets:KEY): one owner, the stack.
   */
  secretValue?: ((key: string) => pulumi.Output<string>) | undefined;
  provider?: k8s.Provider | undefined;
  /** via scheduler: Secret Manager secret ids (full) by garde:secrets item name. */
  secretIds?: Record<string, pulumi.Input<string>> | undefined;
}

/**
 * garde's own image (images/garde/Dockerfile): the CLI on the postgres image of the server's
 * major version, because pg_dump refuses a server newer than itself.
 */
export function gardeImage(serverVersion: number): string {
  return `ghcr.io/garde-dev/garde:${VERSION}-pg${serverVersion}`;
}

/** What garde prune keeps when the stack does not say: a week of days, the weeks and months the bucket holds. */
export function defaultKeep(retentionDays: number) {
  return {
    daily: Math.min(7, retentionDays),
    weekly: Math.ceil(retentionDays / 7),
    monthly: Math.ceil(retentionDays / 30),
  };
}

/**
 * How old the oldest backup garde prune keeps can be: the newest of each of the last N days,
 * weeks and months (a month counted as 31 days). A copy of the backups kept for less loses the
 * copy of a backup prune still keeps.
 */
export function pruneHorizonDays(keep: { daily: number; weekly: number; monthly: number }): number {
  return Math.max(keep.daily, keep.weekly * 7, keep.monthly * 31);
}

/** Hourly, a quarter past: clear of the seeds' 00:30 backup. */
export const FRESHNESS_SCHEDULE = "15 * * * *";

/**
 * garde backup-age's argv: a daily backup (minute hour * * *) may be 26 hours old, the day plus
 * the time a long dump takes; any other calendar, a week and two hours.
 */
export function freshnessArgs(store: string, schedule: string): string[] {
  const daily = /^\S+ \S+ \* \* \*$/.test(schedule.trim());
  return ["backup-age", "--store", store, "--max-age", daily ? "26h" : "170h"];
}

/** The backup command: argv for the image's entrypoint (garde), no shell. */
export function backupArgs(store: string, encryptTo: readonly string[] = []): string[] {
  return [
    "backup",
    "--database-url-env",
    "DATABASE_URL",
    "--store",
    store,
    ...encryptTo.flatMap((r) => ["--age-recipient", r]),
  ];
}

/**
 * The drill, then retention, in one shell line: prune runs only after a drill that passed, so a
 * broken restore never costs the history it would be recovered from.
 */
export function drillScript(
  store: string,
  keep: { daily: number; weekly: number; monthly: number },
  opts: { checks: boolean; encrypted: boolean },
): string {
  const drill = [
    "garde drill",
    `--store ${store}`,
    "--target-url-env DRILL_TARGET_URL",
    ...(opts.checks ? ["--checks /tmp/drill-checks.yml"] : []),
    ...(opts.encrypted ? ["--age-identity-env BACKUP_AGE_KEY"] : []),
  ].join(" ");
  const prune = `garde prune --store ${store} --keep-daily ${keep.daily} --keep-weekly ${keep.weekly} --keep-monthly ${keep.monthly}`;
  const checks = opts.checks ? `printf '%s' "$GARDE_DRILL_CHECKS" > /tmp/drill-checks.yml && ` : "";
  return `set -eu; ${checks}${drill} && ${prune}`;
}

interface Container {
  /** Unset: the image's entrypoint (garde) with `args`. */
  command?: string[] | undefined;
  args: string[];
  /** Variables from secrets (Kubernetes name/key, or garde:secrets item) and plain values. */
  secretEnv: Record<string, string>;
  plainEnv: Record<string, string>;
}

/**
 * Scheduled PostgreSQL backups that lead somewhere: `garde backup` on the backup schedule into
 * the bucket (create-only credentials), and `garde drill` then `garde prune` on the drill
 * schedule, restoring the newest dump into a scratch database. Both run garde's image with a
 * Google service account (Workload Identity in the cluster, the job's own identity on Cloud Run)
 * whose credentials @google-cloud/storage finds by itself.
 */
export class PostgresBackups extends pulumi.ComponentResource {
  readonly schedules: ScheduledWork[] = [];
  readonly pending: PendingWork[] = [];

  constructor(
    name: string,
    args: PostgresBackupArgs & { bucket: pulumi.Output<string>; bucketName: string },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("garde:gcp:PostgresBackups", name, {}, opts);
    const image = args.image ?? gardeImage(args.serverVersion);
    const store = `gs://${args.bucketName}/postgres`;
    const runs = args.via === "kubernetes" ? "kubernetes-cronjob" : "cloud-run-job";

    // Create and read, never delete: a stolen backup token cannot erase history.
    const backup = this.executor(`${name}-backup`, args, {
      role: "backup",
      bucketRoles: ["roles/storage.objectCreator", "roles/storage.objectViewer"],
      schedule: args.schedule,
      image,
      container: {
        args: backupArgs(store, args.encryptTo),
        secretEnv: { DATABASE_URL: args.databaseUrlSecret },
        plainEnv: {},
      },
    });
    const backupCommand = `garde ${backupArgs(store, args.encryptTo).join(" ")}`;
    if (args.via === "kubernetes") this.kubernetesSecrets(name, args);
    this.schedules.push(this.freshnessCheck(name, args, { store, image, runs }));

    if (!args.drill) {
      this.schedules.push({
        what: "postgres backup",
        schedule: args.schedule,
        timeZone: TIME_ZONE,
        executor: { kind: runs, ...backup },
        command: backupCommand,
        output: `${store}/`,
        retentionDays: args.retentionDays,
      });
      this.pending.push({
        what: "restore drill",
        schedule: args.drillSchedule,
        waitingFor:
          "garde:backups.drill.targetUrlSecret, a server the drill may create scratch databases on; until then the dumps are unproven",
      });
      this.registerOutputs({});
      return;
    }
    const keep = args.keep ?? defaultKeep(args.retentionDays);
    const drillWork = this.drillAndPrune(name, args, args.drill, { store, image, runs, keep });
    this.schedules.push(
      {
        what: "postgres backup",
        schedule: args.schedule,
        timeZone: TIME_ZONE,
        executor: { kind: runs, ...backup },
        command: backupCommand,
        // No age rule on this bucket: garde prune decides, and never drops the last proven backup.
        output: `${store}/, kept by garde prune: ${keep.daily} daily, ${keep.weekly} weekly, ${keep.monthly} monthly`,
        provenBy: `${drillWork.what} (${args.drillSchedule}, ${drillWork.executor.name})`,
      },
      drillWork,
    );
    this.registerOutputs({});
  }

  /**
   * The drill, then retention, on the drill schedule: restore the newest dump into a scratch
   * database and check it, then garde prune, which keeps the newest proven backup whatever else.
   */
  private drillAndPrune(
    name: string,
    args: PostgresBackupArgs & { bucket: pulumi.Output<string>; bucketName: string },
    drill: NonNullable<PostgresBackupArgs["drill"]>,
    {
      store,
      image,
      runs,
      keep,
    }: {
      store: string;
      image: string;
      runs: ScheduledWork["executor"]["kind"];
      keep: ReturnType<typeof defaultKeep>;
    },
  ): ScheduledWork {
    const encrypted = Boolean(args.encryptTo?.length);
    const script = drillScript(store, keep, { checks: drill.checks.length > 0, encrypted });
    // The drill writes drill.json and prune deletes: objectUser, on this bucket only.
    const drillExecutor = this.executor(`${name}-drill`, args, {
      role: "drill",
      bucketRoles: ["roles/storage.objectUser"],
      schedule: args.drillSchedule,
      image,
      container: {
        command: ["/bin/sh", "-c"],
        args: [script],
        secretEnv: {
          DRILL_TARGET_URL: drill.targetUrlSecret,
          ...(encrypted && drill.ageIdentitySecret ? { BACKUP_AGE_KEY: drill.ageIdentitySecret } : {}),
        },
        plainEnv: drill.checks.length ? { GARDE_DRILL_CHECKS: JSON.stringify(drill.checks) } : {},
      },
    });
    return {
      what: "restore drill, then retention",
      schedule: args.drillSchedule,
      timeZone: TIME_ZONE,
      executor: { kind: runs, ...drillExecutor },
      // What a person reads: the drill and the prune, not the shell plumbing around them.
      command: script.replace(/^set -eu; (printf [^&]*&& )?/, ""),
      output: "drill.json beside the backup it restored",
    };
  }

  /**
   * Every hour, garde backup-age: a backup job that stopped running (a deleted CronJob, a scheduler
   * paused, a cluster gone) fails nothing, so this check fails instead, and its failure pages P2.
   */
  private freshnessCheck(
    name: string,
    args: PostgresBackupArgs & { bucket: pulumi.Output<string>; bucketName: string },
    { store, image, runs }: { store: string; image: string; runs: ScheduledWork["executor"]["kind"] },
  ): ScheduledWork {
    const command = freshnessArgs(store, args.schedule);
    // It reads object names only: the viewer role, nothing that writes or deletes.
    const executor = this.executor(`${name}-freshness`, args, {
      role: "freshness",
      bucketRoles: ["roles/storage.objectViewer"],
      schedule: FRESHNESS_SCHEDULE,
      image,
      container: { args: command, secretEnv: {}, plainEnv: {} },
    });
    return {
      what: "backup freshness check",
      schedule: FRESHNESS_SCHEDULE,
      timeZone: TIME_ZONE,
      executor: { kind: runs, ...executor },
      command: `garde ${command.join(" ")}`,
      output: "exit 1 when the newest backup is older than the schedule allows",
    };
  }

  /**
   * The Kubernetes Secrets the CronJobs read, each created here from garde-secrets: a CronJob whose
   * Secret nothing creates never starts (CreateContainerConfigError), and fails no alert either.
   */
  private kubernetesSecrets(name: string, args: PostgresBackupArgs): void {
    if (!args.secretValue || !args.namespace) return;
    const encrypted = Boolean(args.encryptTo?.length);
    const refs = [
      args.databaseUrlSecret,
      args.drill?.targetUrlSecret,
      encrypted ? args.drill?.ageIdentitySecret : undefined,
    ].filter((r): r is string => Boolean(r));
    const keysBySecret = new Map<string, string[]>();
    for (const ref of refs) {
      const [secretName = ref, key = ref] = ref.split("/");
      keysBySecret.set(secretName, [...(keysBySecret.get(secretName) ?? []), key]);
    }
    const value = args.secretValue;
    for (const [secretName, keys] of keysBySecret)
      new k8s.core.v1.Secret(
        `${name}-k8s-${secretName}`,
        {
          metadata: {
            name: secretName,
            namespace: args.namespace,
            labels: { "app.kubernetes.io/managed-by": "garde" },
          },
          type: "Opaque",
          stringData: Object.fromEntries(keys.map((key) => [key, value(key)])),
        },
        { parent: this, ...(args.provider ? { provider: args.provider } : {}) },
      );
  }

  /** A service account with roles on the bucket, and what runs the container on its schedule. */
  private executor(
    name: string,
    args: PostgresBackupArgs & { bucket: pulumi.Output<string> },
    job: { role: string; bucketRoles: string[]; schedule: string; image: string; container: Container },
  ): { name: string; trigger?: string } {
    const parent = { parent: this };
    const account = new gcp.serviceaccount.Account(
      `${name}-account`,
      {
        project: args.project,
        accountId: accountId(job.role, args.environment, args.app),
        displayName: `garde ${job.role} (${args.app} ${args.environment})`,
      },
      parent,
    );
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    for (const role of job.bucketRoles)
      new gcp.storage.BucketIAMMember(
        `${name}-${role.split(".").at(-1)?.toLowerCase()}`,
        { bucket: args.bucket, role, member },
        parent,
      );
    return args.via === "kubernetes"
      ? this.cronJob(name, args, job, account)
      : this.cloudRunJob(name, args, job, account, member);
  }

  private cronJob(
    name: string,
    args: PostgresBackupArgs,
    job: { role: string; schedule: string; image: string; container: Container },
    account: gcp.serviceaccount.Account,
  ) {
    const k8sOpts = { parent: this, ...(args.provider ? { provider: args.provider } : {}) };
    const ksaName = `${args.app}-pg-${job.role}`;
    new gcp.serviceaccount.IAMMember(
      `${name}-workload-identity`,
      {
        serviceAccountId: account.name,
        role: "roles/iam.workloadIdentityUser",
        member: pulumi.interpolate`serviceAccount:${args.project}.svc.id.goog[${args.namespace}/${ksaName}]`,
      },
      { parent: this },
    );
    const ksa = new k8s.core.v1.ServiceAccount(
      `${name}-ksa`,
      {
        metadata: {
          name: ksaName,
          namespace: args.namespace,
          annotations: { "iam.gke.io/gcp-service-account": account.email },
        },
        // Workload Identity goes through the GKE metadata server: no Kubernetes API token needed.
        automountServiceAccountToken: false,
      },
      k8sOpts,
    );
    const env = [
      ...Object.entries(job.container.secretEnv).map(([variable, ref]) => {
        const [secretName, key = variable] = ref.split("/");
        return { name: variable, valueFrom: { secretKeyRef: { name: secretName as string, key } } };
      }),
      ...Object.entries(job.container.plainEnv).map(([variable, value]) => ({ name: variable, value })),
    ];
    new k8s.batch.v1.CronJob(
      name,
      {
        metadata: { name: ksaName, namespace: args.namespace },
        spec: {
          schedule: job.schedule,
          timeZone: TIME_ZONE,
          concurrencyPolicy: "Forbid",
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 5,
          jobTemplate: {
            spec: {
              backoffLimit: 2,
              activeDeadlineSeconds: 3 * 3600,
              template: {
                spec: {
                  restartPolicy: "Never",
                  serviceAccountName: ksa.metadata.name,
                  // The alpine postgres image's postgres user.
                  securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70 },
                  containers: [
                    {
                      name: `garde-${job.role}`,
                      image: job.image,
                      ...(job.container.command ? { command: job.container.command } : {}),
                      args: job.container.args,
                      env,
                      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                      // garde streams the dump: its memory stays flat whatever the database's size.
                      resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
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
    return { name };
  }

  private cloudRunJob(
    name: string,
    args: PostgresBackupArgs,
    job: { role: string; schedule: string; image: string; container: Container },
    account: gcp.serviceaccount.Account,
    member: pulumi.Output<string>,
  ) {
    const parent = { parent: this };
    const secretId = (item: string) => args.secretIds?.[item] as pulumi.Input<string>;
    for (const [variable, item] of Object.entries(job.container.secretEnv))
      new gcp.secretmanager.SecretIamMember(
        `${name}-reads-${variable.toLowerCase().replaceAll("_", "-")}`,
        {
          project: args.project,
          secretId: secretId(item),
          role: "roles/secretmanager.secretAccessor",
          member,
        },
        parent,
      );
    const jobName = `${args.app}-${args.environment}-pg-${job.role}`;
    const cloudRun = new gcp.cloudrunv2.Job(
      name,
      {
        project: args.project,
        location: args.region,
        name: jobName,
        template: {
          taskCount: 1,
          template: {
            serviceAccount: account.email,
            maxRetries: 2,
            timeout: `${3 * 3600}s`,
            containers: [
              {
                image: job.image,
                ...(job.container.command ? { commands: job.container.command } : {}),
                args: job.container.args,
                envs: [
                  ...Object.entries(job.container.secretEnv).map(([variable, item]) => ({
                    name: variable,
                    valueSource: { secretKeyRef: { secret: secretId(item), version: "latest" } },
                  })),
                  ...Object.entries(job.container.plainEnv).map(([variable, value]) => ({
                    name: variable,
                    value,
                  })),
                ],
                resources: { limits: { cpu: "1", memory: "512Mi" } },
              },
            ],
          },
        },
      },
      parent,
    );
    scheduleCloudRunJob(name, args, job, cloudRun, jobName, this);
    return { name, trigger: `${name}-trigger` };
  }
}

/**
 * Cloud Scheduler starts the job on its calendar, as an account of its own that may only run
 * that job (run.invoker on it), through the Cloud Run Admin API's jobs.run.
 */
function scheduleCloudRunJob(
  name: string,
  args: PostgresBackupArgs,
  job: { role: string; schedule: string },
  cloudRun: gcp.cloudrunv2.Job,
  jobName: string,
  owner: pulumi.Resource,
): void {
  const parent = { parent: owner };
  const invoker = new gcp.serviceaccount.Account(
    `${name}-scheduler-account`,
    {
      project: args.project,
      accountId: accountId(`sched-${job.role}`, args.environment, args.app),
      displayName: `garde scheduler for ${job.role} (${args.app} ${args.environment})`,
    },
    parent,
  );
  const mayRun = new gcp.cloudrunv2.JobIamMember(
    `${name}-scheduler-runs`,
    {
      project: args.project,
      location: args.region,
      name: cloudRun.name,
      role: "roles/run.invoker",
      member: pulumi.interpolate`serviceAccount:${invoker.email}`,
    },
    parent,
  );
  new gcp.cloudscheduler.Job(
    `${name}-trigger`,
    {
      project: args.project,
      region: args.region,
      name: jobName,
      schedule: job.schedule,
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
    { parent: owner, dependsOn: [mayRun] },
  );
}
