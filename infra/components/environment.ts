import * as gcp from "@pulumi/gcp";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertsFor, uptimeHosts } from "../alert-catalogue.ts";
import type { StackConfig } from "../config.ts";
import { apisFor } from "../project-apis.ts";
import type { PendingWork, ScheduledWork } from "../schedules.ts";
import { Alerting, type AlertSummary } from "./alerting.ts";
import { BackupPlan } from "./backup-plan.ts";
import { GitHubOidc } from "./github-oidc.ts";
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
    const parent = { parent: this };
    const protect = c.environment !== "dev";

    if (c.gcp) {
      for (const api of requiredApis(c)) {
        services.set(
          api,
          new gcp.projects.Service(
            `${name}-api-${api.split(".")[0]}`,
            // Disabling an API on destroy would break whatever else in the project uses it.
            {
              project: c.gcp.project,
              service: api,
              disableOnDestroy: false,
              disableDependentServices: false,
            },
            parent,
          ),
        );
      }
    }

    if (c.vercel) {
      new VercelWebApp(
        `${name}-web`,
        {
          project: c.vercel.project,
          createProject: c.vercel.createProject ?? c.environment === "prod",
          teamId: c.vercel.teamId,
          framework: c.vercel.framework,
          gitRepository: c.vercel.gitRepository,
          domain: c.vercel.domain,
          stagingDomain: c.vercel.stagingDomain,
          stagingBranch: c.vercel.stagingBranch,
          env: c.vercel.env.flatMap((e) =>
            e.rotated !== undefined
              ? []
              : [
                  {
                    key: e.key,
                    targets: e.targets,
                    secret: e.secret !== undefined,
                    value: e.secret !== undefined ? args.secret(e.secret) : (e.value as string),
                  },
                ],
          ),
        },
        parent,
      );
      for (const e of c.vercel.env)
        if (e.rotated !== undefined) this.rotatedVariables.push({ key: e.key, secret: e.rotated });
      if (!(c.vercel.createProject ?? c.environment === "prod"))
        this.warnings.push(
          `Vercel project ${c.vercel.project} is created by the prod stack: run pulumi up there first`,
        );
    }

    const app = c.kubernetes
      ? new KubernetesApp(
          `${name}-k8s`,
          {
            app: c.app.name,
            environment: c.environment,
            image: c.kubernetes.image,
            replicas: c.kubernetes.replicas,
            cpu: c.kubernetes.cpu,
            memory: c.kubernetes.memory,
            port: c.kubernetes.port,
            rateLimitPerMinute: c.kubernetes.rateLimitPerMinute,
            readOnly: c.kubernetes.readOnly,
            host: c.kubernetes.host,
            protect,
            provider: args.kubernetesProvider,
          },
          parent,
        )
      : undefined;
    if (app) this.warnings.push(...app.warnings);

    if (!c.gcp) {
      this.registerOutputs({});
      return;
    }
    const g = c.gcp;
    if (c.kubernetes?.host) {
      new gcp.compute.GlobalAddress(
        `${name}-ingress-address`,
        { project: g.project, name: ingressAddressName(c.app.name, c.environment) },
        parent,
      );
    }
    const secrets = c.secrets
      ? new SecretSet(
          `${name}-secrets`,
          {
            project: g.project,
            projectNumber: g.projectNumber,
            environment: c.environment,
            app: c.app.name,
            rotationStart: c.secrets.rotationStart,
            now: args.now,
            protect,
            items: c.secrets.items,
          },
          parent,
        )
      : undefined;
    if (secrets && c.secrets) {
      this.secrets.push(...c.secrets.items.map((s) => ({ name: s.name, rotationDays: s.rotationDays })));
      this.pending.push(...secrets.pending);
    }
    if (c.alerts) {
      const ch = c.alerts.channels;
      const alerting = new Alerting(
        `${name}-alerts`,
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
          uptimePaths: c.alerts.uptimePaths,
          uptimePeriodSeconds: c.alerts.uptimePeriodSeconds,
          policies: alertsFor(c),
          channels: {
            slack: ch.slack ? { channel: ch.slack.channel, token: args.secret("SLACK_TOKEN") } : undefined,
            email: ch.email,
            sms: ch.sms,
            pagerduty: ch.pagerduty ? { serviceKey: args.secret("PAGERDUTY_SERVICE_KEY") } : undefined,
            webhook: ch.webhook,
          },
        },
        parent,
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
    const backups = c.backups
      ? new BackupPlan(
          `${name}-backups`,
          {
            project: g.project,
            projectNumber: g.projectNumber,
            region: g.region,
            environment: c.environment,
            app: c.app.name,
            location: c.backups.location,
            secondaryLocation: c.backups.secondaryLocation,
            retentionDays: c.backups.retentionDays,
            coldAfterDays: c.backups.coldAfterDays,
            protect,
            postgres: c.backups.postgres
              ? {
                  ...c.backups.postgres,
                  drill: c.backups.drill,
                  namespace: app?.namespace,
                  provider: args.kubernetesProvider,
                  secretIds: secrets?.ids,
                }
              : undefined,
            firestore: c.backups.firestore,
            cloudSql: c.backups.cloudSql,
            restoreDrillSchedule: c.backups.restoreDrillSchedule,
          },
          parent,
        )
      : undefined;
    if (backups) {
      this.schedules.push(...backups.schedules);
      this.pending.push(...backups.pending);
      this.warnings.push(...backups.warnings);
    }
    if (c.githubOidc) {
      new GitHubOidc(
        `${name}-github`,
        {
          project: g.project,
          environment: c.environment,
          app: c.app.name,
          repository: c.githubOidc.repository,
          repositoryId: c.githubOidc.repositoryId,
          repositoryOwnerId: c.githubOidc.repositoryOwnerId,
          githubEnvironment: GITHUB_ENVIRONMENT[c.environment],
          refs: c.environment === "prod" ? c.githubOidc.productionRefs : undefined,
          grants: {
            secrets: Object.values(secrets?.ids ?? {}),
            rotationSubscription: secrets?.subscription,
            readsAlerts: Boolean(c.alerts),
            backupBucket: backups?.bucket,
          },
        },
        parent,
      );
    }
    this.registerOutputs({});
  }
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
