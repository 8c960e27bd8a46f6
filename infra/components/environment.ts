import * as gcp from "@pulumi/gcp";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertsFor, uptimeChecksOf, uptimeHosts } from "../alert-catalogue.ts";
import type { StackConfig } from "../config.ts";
import { apisFor } from "../project-apis.ts";
import type { PendingWork, ScheduledWork } from "../schedules.ts";
import { Alerting, type AlertSummary } from "./alerting.ts";
import { BackupPlan } from "./backup-plan.ts";
import { GitHubOidc } from "./github-oidc.ts";
import type { ScheduledJob } from "./job-failure-alerts.ts";
import { API_CONTAINER, API_SERVICE, ingressAddressName, KubernetesApp } from "./kubernetes-app.ts";
import { SecretSet } from "./secret-set.ts";
import { VercelWebApp } from "./vercel-web-app.ts";

export interface EnvironmentArgs {
  config: StackConfig;
  /** Resolves a secret value by name (a `garde-secrets:NAME` secure key); never a plain string. */
  secret: (name: string) => pulumi.Output<string>;
  /** Kubernetes provider bound to the app's cluster. */
  kubernetesProvider?: k8s.Provider | undefined;
  /** The moment the program runs (rotation calendars start after it). */
  now: Date;
}

const GITHUB_ENVIRONMENT: Record<StackConfig["environment"], string | undefined> = {
  dev: undefined,
  staging: "staging",
  prod: "production",
};

/** One environment of an app: every part its stack config asks for, and an inventory of them. */
export class Environment extends pulumi.ComponentResource {
  readonly alerts: AlertSummary[] = [];
  readonly schedules: ScheduledWork[] = [];
  readonly pending: PendingWork[] = [];
  readonly warnings: string[] = [];
  readonly secrets: { name: string; rotationDays: number }[] = [];
  /** Vercel variables whose value rotate-keys owns (Pulumi declares nothing for them). */
  readonly rotatedVariables: { key: string; secret: string }[] = [];

  constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    // Every GCP resource below waits for its API: filled once the Services exist, applied by a
    // transformation on this component, which Pulumi runs for each child as it is declared.
    const services = new Map<string, gcp.projects.Service>();
    const afterApis: pulumi.ResourceTransformation = ({ type, props, opts: o }) => {
      const needed = apisFor(type).flatMap((api) => services.get(api) ?? []);
      if (!needed.length) return undefined;
      const existing = o.dependsOn
        ? ([] as pulumi.Input<pulumi.Resource>[]).concat(o.dependsOn as never)
        : [];
      return { props, opts: pulumi.mergeOptions(o, { dependsOn: [...existing, ...needed] }) };
    };
    super(
      "garde:index:Environment",
      name,
      {},
      { ...opts, transformations: [afterApis, ...(opts?.transformations ?? [])] },
    );
    const c = args.config;
    const step: Step = {
      name,
      c,
      args,
      parent: { parent: this },
      protect: c.environment !== "dev",
      services,
    };

    // The environment, in the order a runbook would build it: APIs, the web app, the cluster's app,
    // then (on GCP) its address, secrets, alerts, backups, and the CI's keyless access.
    if (c.gcp) enableApis(step, c.gcp, services);
    if (c.vercel) this.addWebApp(step, c.vercel);
    const app = c.kubernetes ? this.addKubernetesApp(step, c.kubernetes) : undefined;
    if (c.gcp) {
      if (c.kubernetes?.host) reserveIngressAddress(step, c.gcp);
      const secrets = c.secrets ? this.addSecrets(step, c.gcp, c.secrets) : undefined;
      if (c.alerts) this.addAlerting(step, c.gcp, c.alerts, app);
      const backups = c.backups ? this.addBackups(step, c.gcp, c.backups, app, secrets) : undefined;
      if (c.githubOidc) addGitHubOidc(step, c.gcp, c.githubOidc, { secrets, backups, app });
    }
    this.registerOutputs({});
  }

  /** The Vercel project and its variables; rotated ones are left to rotate-keys. */
  private addWebApp(s: Step, vercel: NonNullable<StackConfig["vercel"]>): void {
    const createProject = vercel.createProject ?? s.c.environment === "prod";
    new VercelWebApp(
      `${s.name}-web`,
      {
        project: vercel.project,
        createProject,
        teamId: vercel.teamId,
        framework: vercel.framework,
        gitRepository: vercel.gitRepository,
        domain: vercel.domain,
        stagingDomain: vercel.stagingDomain,
        stagingBranch: vercel.stagingBranch,
        env: vercel.env.flatMap((e) =>
          e.rotated !== undefined
            ? []
            : branchScoped(s.c.environment, vercel.stagingBranch, e.targets).map((scope) => ({
                key: e.key,
                ...scope,
                secret: e.secret !== undefined,
                value: e.secret !== undefined ? s.args.secret(e.secret) : (e.value as string),
              })),
        ),
      },
      s.parent,
    );
    for (const e of vercel.env)
      if (e.rotated !== undefined) this.rotatedVariables.push({ key: e.key, secret: e.rotated });
    if (!createProject)
      this.warnings.push(
        `Vercel project ${vercel.project} is created by the prod stack: run pulumi up there first`,
      );
  }

  private addKubernetesApp(s: Step, k: NonNullable<StackConfig["kubernetes"]>): KubernetesApp {
    const app = new KubernetesApp(
      `${s.name}-k8s`,
      {
        app: s.c.app.name,
        environment: s.c.environment,
        image: k.image,
        replicas: k.replicas,
        cpu: k.cpu,
        memory: k.memory,
        port: k.port,
        rateLimitPerMinute: k.rateLimitPerMinute,
        readOnly: k.readOnly,
        host: k.host,
        protect: s.protect,
        provider: s.args.kubernetesProvider,
      },
      s.parent,
    );
    this.warnings.push(...app.warnings);
    return app;
  }

  private addSecrets(s: Step, g: Gcp, secretsConfig: NonNullable<StackConfig["secrets"]>): SecretSet {
    const secrets = new SecretSet(
      `${s.name}-secrets`,
      {
        project: g.project,
        projectNumber: g.projectNumber,
        environment: s.c.environment,
        app: s.c.app.name,
        rotationStart: secretsConfig.rotationStart,
        now: s.args.now,
        protect: s.protect,
        items: secretsConfig.items,
      },
      s.parent,
    );
    this.secrets.push(...secretsConfig.items.map((i) => ({ name: i.name, rotationDays: i.rotationDays })));
    this.pending.push(...secrets.pending);
    return secrets;
  }

  /** The seeds' alert catalogue for this stack's metrics, routed to channels by severity. */
  private addAlerting(
    s: Step,
    g: Gcp,
    alerts: NonNullable<StackConfig["alerts"]>,
    app: KubernetesApp | undefined,
  ): void {
    const { c, args } = s;
    const ch = alerts.channels;
    const alerting = new Alerting(
      `${s.name}-alerts`,
      {
        project: g.project,
        environment: c.environment,
        app: c.app.name,
        hosts: uptimeHosts(c),
        scope: {
          cluster: c.kubernetes?.cluster.name,
          namespace: app?.namespaceName,
          container: app ? API_CONTAINER : undefined,
          service: app ? API_SERVICE : undefined,
          database: c.backups?.cloudSql ? `${g.project}:${c.app.name}-${c.environment}` : undefined,
        },
        uptimeChecks: uptimeChecksOf(c),
        uptimePeriodSeconds: alerts.uptimePeriodSeconds,
        policies: alertsFor(c),
        scheduledJobs: scheduledJobsOf(c, app),
        channels: {
          slack: ch.slack ? { channel: ch.slack.channel, token: args.secret("SLACK_TOKEN") } : undefined,
          email: ch.email,
          sms: ch.sms,
          pagerduty: ch.pagerduty ? { serviceKey: args.secret("PAGERDUTY_SERVICE_KEY") } : undefined,
          webhook: ch.webhook,
        },
      },
      s.parent,
    );
    this.alerts.push(...alerting.policies);
    this.warnings.push(...alerting.warnings);
    if (alerting.policies.some((p) => p.severity === "P3" || p.severity === "P4"))
      this.warnings.push(
        "P3/P4 alerts go to email one incident at a time: Cloud Monitoring cannot batch metric alerts into the seeds' daily/weekly digests",
      );
    if (c.kubernetes && !c.kubernetes.host)
      this.warnings.push(
        "No 5xx, P95 or uptime alerts for the Kubernetes app: it has no public host (set garde:kubernetes.host to expose it through a load balancer)",
      );
  }

  private addBackups(
    s: Step,
    g: Gcp,
    b: NonNullable<StackConfig["backups"]>,
    app: KubernetesApp | undefined,
    secrets: SecretSet | undefined,
  ): BackupPlan {
    const backups = new BackupPlan(
      `${s.name}-backups`,
      {
        transferApi: s.services.get("storagetransfer.googleapis.com"),
        project: g.project,
        projectNumber: g.projectNumber,
        region: g.region,
        environment: s.c.environment,
        app: s.c.app.name,
        location: b.location,
        secondaryLocation: b.secondaryLocation,
        retentionDays: b.retentionDays,
        coldAfterDays: b.coldAfterDays,
        protect: s.protect,
        postgres: b.postgres
          ? {
              ...b.postgres,
              drill: b.drill,
              namespace: app?.namespace,
              provider: s.args.kubernetesProvider,
              secretIds: secrets?.ids,
              secretValue: s.args.secret,
            }
          : undefined,
        firestore: b.firestore,
        cloudSql: b.cloudSql,
        restoreDrillSchedule: b.restoreDrillSchedule,
      },
      s.parent,
    );
    this.schedules.push(...backups.schedules);
    this.pending.push(...backups.pending);
    this.warnings.push(...backups.warnings);
    const cluster = s.c.kubernetes?.cluster;
    if (b.postgres && (b.postgres.via ?? "kubernetes") === "kubernetes" && cluster)
      // The cluster is not in the stacks: nothing offline can see whether its pods may act as
      // Google service accounts, and without it the backup CronJob fails on its first upload.
      this.warnings.push(
        `The backup CronJobs act as Google service accounts through Workload Identity: cluster ${cluster.name} (${cluster.location}) must have it on (gcloud container clusters update ${cluster.name} --location ${cluster.location} --workload-pool=${g.project}.svc.id.goog, and node pools with --workload-metadata=GKE_METADATA); garde cannot check this offline`,
      );
    return backups;
  }
}

type Gcp = NonNullable<StackConfig["gcp"]>;

/** garde's scheduled PostgreSQL jobs and where their runs show: a CronJob's container, a Cloud Run job. */
function scheduledJobsOf(c: StackConfig, app: KubernetesApp | undefined): ScheduledJob[] {
  const pg = c.backups?.postgres;
  if (!pg) return [];
  const roles = ["backup", "freshness", ...(c.backups?.drill ? ["drill"] : [])];
  // garde backup-age failing means no backup succeeded lately: the job itself may not even run.
  const titles: Record<string, string> = { freshness: "no backup newer than its schedule allows" };
  if ((pg.via ?? "kubernetes") === "kubernetes")
    return app
      ? roles.map((role) => ({
          role,
          title: titles[role],
          executor: "kubernetes-cronjob",
          namespace: app.namespaceName,
          container: `garde-${role}`,
        }))
      : [];
  return roles.map((role) => ({
    role,
    title: titles[role],
    executor: "cloud-run-job",
    jobName: `${c.app.name}-${c.environment}-pg-${role}`,
  }));
}

/**
 * One Vercel project serves every stack, and Vercel refuses two variables of one key on the same
 * target and branch (ENV_CONFLICT). dev owns the preview target for every branch; staging's
 * preview values apply to its branch only (gitBranch, which Vercel takes on a preview-only
 * variable), so a staging value split off from other targets becomes a variable of its own.
 */
export function branchScoped(
  environment: StackConfig["environment"],
  stagingBranch: string,
  targets: string[],
): { targets: string[]; gitBranch?: string }[] {
  if (environment !== "staging" || !targets.includes("preview")) return [{ targets }];
  const others = targets.filter((t) => t !== "preview");
  return [
    { targets: ["preview"], gitBranch: stagingBranch },
    ...(others.length ? [{ targets: others }] : []),
  ];
}

/** What every step of the environment is built from. */
interface Step {
  name: string;
  c: StackConfig;
  args: EnvironmentArgs;
  parent: { parent: Environment };
  /** Staging and prod resources refuse `pulumi destroy`; dev's do not. */
  protect: boolean;
  /** Each API's Service, once enabled: what an invoke needing the API must wait for. */
  services: ReadonlyMap<string, gcp.projects.Service>;
}

/** One Service per API the stack uses; each GCP resource waits for its own (see afterApis). */
function enableApis(s: Step, g: Gcp, services: Map<string, gcp.projects.Service>): void {
  for (const api of requiredApis(s.c)) {
    services.set(
      api,
      new gcp.projects.Service(
        `${s.name}-api-${api.split(".")[0]}`,
        // Disabling an API on destroy would break whatever else in the project uses it.
        { project: g.project, service: api, disableOnDestroy: false, disableDependentServices: false },
        s.parent,
      ),
    );
  }
}

/** The global address the app's ingress takes, reserved so it survives the ingress. */
function reserveIngressAddress(s: Step, g: Gcp): void {
  new gcp.compute.GlobalAddress(
    `${s.name}-ingress-address`,
    { project: g.project, name: ingressAddressName(s.c.app.name, s.c.environment) },
    s.parent,
  );
}

/** Keyless access for the repository's workflows, allowed what this environment's pipelines need. */
function addGitHubOidc(
  s: Step,
  g: Gcp,
  oidc: NonNullable<StackConfig["githubOidc"]>,
  {
    secrets,
    backups,
    app,
  }: { secrets?: SecretSet | undefined; backups?: BackupPlan | undefined; app?: KubernetesApp | undefined },
): void {
  const { c } = s;
  new GitHubOidc(
    `${s.name}-github`,
    {
      project: g.project,
      environment: c.environment,
      app: c.app.name,
      repository: oidc.repository,
      repositoryId: oidc.repositoryId,
      repositoryOwnerId: oidc.repositoryOwnerId,
      githubEnvironment: GITHUB_ENVIRONMENT[c.environment],
      refs: c.environment === "prod" ? oidc.productionRefs : undefined,
      grants: {
        secrets: Object.values(secrets?.ids ?? {}),
        auditSecret: secrets?.auditId,
        rotationSubscription: secrets?.subscription,
        readsAlerts: Boolean(c.alerts),
        backupBucket: backups?.bucket,
        kubernetes: app ? { namespace: app.namespace, provider: s.args.kubernetesProvider } : undefined,
      },
    },
    s.parent,
  );
}

/** Every API the stack's GCP resources use, from the catalogue in project-apis.ts. */
function requiredApis(c: StackConfig): string[] {
  const types = [
    "gcp:projects/iAMMember:IAMMember",
    ...(c.kubernetes?.host ? ["gcp:compute/globalAddress:GlobalAddress"] : []),
    ...(c.secrets
      ? [
          "gcp:secretmanager/secret:Secret",
          "gcp:pubsub/topic:Topic",
          "gcp:projects/serviceIdentity:ServiceIdentity",
        ]
      : []),
    ...(c.alerts ? ["gcp:monitoring/alertPolicy:AlertPolicy", "gcp:logging/metric:Metric"] : []),
    ...(c.backups
      ? [
          "gcp:storage/bucket:Bucket",
          "gcp:storage/transferJob:TransferJob",
          "gcp:serviceaccount/account:Account",
          ...(c.backups.postgres?.via === "scheduler"
            ? ["gcp:cloudrunv2/job:Job", "gcp:cloudscheduler/job:Job"]
            : []),
          ...(c.backups.firestore ? ["gcp:firestore/backupSchedule:BackupSchedule"] : []),
          ...(c.backups.cloudSql ? ["gcp:sql/databaseInstance:DatabaseInstance"] : []),
        ]
      : []),
    ...(c.githubOidc ? ["gcp:iam/workloadIdentityPool:WorkloadIdentityPool"] : []),
  ];
  return [...new Set(types.flatMap(apisFor))].sort();
}
