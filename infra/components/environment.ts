import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertsFor, uptimeHost } from "../alert-catalogue.ts";
import type { StackConfig } from "../config.ts";
import { Alerting, type AlertSummary } from "./alerting.ts";
import { BackupPlan, type BackupSummary } from "./backup-plan.ts";
import { GitHubOidc } from "./github-oidc.ts";
import { KubernetesApp } from "./kubernetes-app.ts";
import { SecretSet } from "./secret-set.ts";
import { VercelWebApp } from "./vercel-web-app.ts";

export interface EnvironmentArgs {
  config: StackConfig;
  /** Resolves a secret value by name (a `garde-secrets:NAME` secure key); never a plain string. */
  secret: (name: string) => pulumi.Output<string>;
  /** Kubernetes provider for the app's cluster; the ambient one when left out. */
  kubernetesProvider?: k8s.Provider | undefined;
}

const GITHUB_ENVIRONMENT: Record<StackConfig["environment"], string | undefined> = {
  dev: undefined,
  staging: "staging",
  prod: "production",
};

/** One environment of an app: every part its stack config asks for, and an inventory of them. */
export class Environment extends pulumi.ComponentResource {
  readonly alerts: AlertSummary[] = [];
  readonly backups: BackupSummary[] = [];
  readonly secrets: { name: string; rotationDays: number }[] = [];

  constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:index:Environment", name, {}, opts);
    const c = args.config;
    const parent = { parent: this };

    if (c.vercel) {
      new VercelWebApp(
        `${name}-web`,
        {
          project: c.vercel.project,
          teamId: c.vercel.teamId,
          framework: c.vercel.framework,
          gitRepository: c.vercel.gitRepository,
          domain: c.vercel.domain,
          stagingDomain: c.vercel.stagingDomain,
          env: c.vercel.env.map((e) => ({
            key: e.key,
            targets: e.targets,
            secret: e.secret !== undefined,
            value: e.secret !== undefined ? args.secret(e.secret) : (e.value as string),
          })),
        },
        parent,
      );
    }

    const app = c.kubernetes
      ? new KubernetesApp(
          `${name}-k8s`,
          { app: c.app.name, environment: c.environment, ...c.kubernetes, provider: args.kubernetesProvider },
          parent,
        )
      : undefined;

    if (c.gcp) {
      const g = c.gcp;
      if (c.secrets) {
        new SecretSet(
          `${name}-secrets`,
          { project: g.project, projectNumber: g.projectNumber, environment: c.environment, ...c.secrets },
          parent,
        );
        this.secrets.push(...c.secrets.items.map((s) => ({ name: s.name, rotationDays: s.rotationDays })));
      }
      if (c.alerts) {
        const ch = c.alerts.channels;
        const alerting = new Alerting(
          `${name}-alerts`,
          {
            project: g.project,
            environment: c.environment,
            app: c.app.name,
            host: uptimeHost(c),
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
      }
      if (c.backups) {
        const b = c.backups;
        const plan = new BackupPlan(
          `${name}-backups`,
          {
            project: g.project,
            region: g.region,
            environment: c.environment,
            app: c.app.name,
            location: b.location,
            secondaryLocation: b.secondaryLocation,
            retentionDays: b.retentionDays,
            coldAfterDays: b.coldAfterDays,
            postgres: b.postgres
              ? { ...b.postgres, namespace: app?.namespace, provider: args.kubernetesProvider }
              : undefined,
            firestore: b.firestore,
            cloudSql: b.cloudSql,
            restoreDrillSchedule: b.restoreDrillSchedule,
          },
          parent,
        );
        this.backups.push(...plan.schedules);
      }
      if (c.githubOidc) {
        new GitHubOidc(
          `${name}-github`,
          {
            project: g.project,
            environment: c.environment,
            repository: c.githubOidc.repository,
            githubEnvironment: GITHUB_ENVIRONMENT[c.environment],
          },
          parent,
        );
      }
    }
    this.registerOutputs({});
  }
}
