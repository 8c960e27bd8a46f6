import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { AlertSummary, ChannelKind } from "../alert-catalogue.ts";
import { type CatalogueEntry, CHANNELS_BY_SEVERITY, monitoringSeverity } from "../alert-catalogue.ts";
import { jobFailureAlerts, type ScheduledJob } from "./job-failure-alerts.ts";

export type { AlertSummary };

export interface AlertingArgs {
  project: string;
  environment: string;
  app: string;
  /** Public hosts the uptime checks reach (the Vercel domain, the API's Ingress host). */
  hosts: string[];
  /** Where the app's metrics come from, so each policy reads only this stack's series. */
  scope: {
    cluster?: string | undefined;
    namespace?: string | undefined;
    container?: string | undefined;
    service?: string | undefined;
    database?: string | undefined;
  };
  /** Each host and path to check: a host is checked only on the paths it serves. */
  uptimeChecks: { host: string; path: string }[];
  uptimePeriodSeconds: number;
  policies: { entry: CatalogueEntry; threshold: number }[];
  /** garde's scheduled jobs (backup, drill): each gets a P2 alert on a failed run. */
  scheduledJobs?: readonly ScheduledJob[] | undefined;
  channels: {
    slack?: { channel: string; token: pulumi.Input<string> } | undefined;
    email?: string[] | undefined;
    sms?: string[] | undefined;
    pagerduty?: { serviceKey: pulumi.Input<string> } | undefined;
    webhook?: string | undefined;
  };
}

/** What the inventory shows of each policy. */

/** The filter terms that keep a policy on this stack's own series. */
export function scopeFilter(entry: CatalogueEntry, scope: AlertingArgs["scope"], hosts: string[]): string[] {
  const q = (v: string) => JSON.stringify(v);
  switch (entry.resourceType) {
    case "k8s_container":
      return [
        scope.cluster && `resource.label.cluster_name = ${q(scope.cluster)}`,
        scope.namespace && `resource.label.namespace_name = ${q(scope.namespace)}`,
        scope.container && `resource.label.container_name = ${q(scope.container)}`,
      ].filter((t): t is string => Boolean(t));
    case "https_lb_rule":
      // GKE names a NEG backend k8s1-<cluster hash>-<namespace>-<service>-<port>-<hash>.
      return scope.namespace && scope.service
        ? [
            `resource.label.backend_target_name = monitoring.regex.full_match(${q(`k8s1-.*-${scope.namespace}-${scope.service}-.*`)})`,
          ]
        : [];
    case "uptime_url":
      return [`resource.label.host = one_of(${hosts.map(q).join(", ")})`];
    case "cloudsql_database":
      return scope.database ? [`resource.label.database_id = ${q(scope.database)}`] : [];
    default:
      return [];
  }
}

export function conditionFilter(
  entry: CatalogueEntry,
  metric: string,
  scope: AlertingArgs["scope"],
  hosts: string[],
) {
  return [
    `metric.type = ${JSON.stringify(metric)}`,
    `resource.type = ${JSON.stringify(entry.resourceType)}`,
    entry.filter,
    ...scopeFilter(entry, scope, hosts),
  ]
    .filter(Boolean)
    .join(" AND ");
}

/**
 * Notification channels, uptime checks, alert policies routed by severity, and a dashboard.
 * Channel credentials arrive as secrets and go only into sensitive labels.
 */
export class Alerting extends pulumi.ComponentResource {
  readonly policies: AlertSummary[];
  readonly uptimeChecks: pulumi.Output<string[]>;
  readonly warnings: string[] = [];

  constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:gcp:Alerting", name, {}, opts);
    const parent = { parent: this };
    const channels = this.notificationChannels(name, args, parent);
    const uptime = uptimeChecks(name, args, parent);
    const logins = failedLoginsMetric(name, args, parent);
    const policies = args.policies.map((p) => alertPolicy(name, args, p, channels, logins, this));
    this.policies = [
      ...policies.map((p) => p.summary),
      ...jobFailureAlerts(
        name,
        {
          project: args.project,
          app: args.app,
          environment: args.environment,
          jobs: args.scheduledJobs ?? [],
        },
        channels,
        this,
      ),
    ];
    alertDashboard(
      name,
      args,
      policies.map((p) => p.name),
      parent,
    );
    this.uptimeChecks = pulumi.all(uptime.map((u) => u.uptimeCheckId));
    this.registerOutputs({ uptimeChecks: this.uptimeChecks });
  }

  /** One channel per destination; credentials only in sensitive labels. SMS needs a human once. */
  private notificationChannels(name: string, args: AlertingArgs, parent: { parent: Alerting }): Channel[] {
    const channels: Channel[] = [];
    const channel = (
      kind: ChannelKind,
      key: string,
      channelArgs: Omit<gcp.monitoring.NotificationChannelArgs, "project">,
    ) =>
      channels.push({
        kind,
        id: new gcp.monitoring.NotificationChannel(
          `${name}-${kind}-${key}`,
          { project: args.project, ...channelArgs },
          parent,
        ).id,
      });
    const c = args.channels;
    if (c.slack) {
      channel("slack", "main", {
        type: "slack",
        displayName: `Slack ${c.slack.channel}`,
        labels: { channel_name: c.slack.channel },
        sensitiveLabels: { authToken: c.slack.token },
      });
    }
    for (const [i, address] of (c.email ?? []).entries()) {
      channel("email", String(i), {
        type: "email",
        displayName: address,
        labels: { email_address: address },
      });
    }
    for (const [i, number] of (c.sms ?? []).entries()) {
      channel("sms", String(i), { type: "sms", displayName: `On-call SMS ${i + 1}`, labels: { number } });
      this.warnings.push(
        `SMS channel "On-call SMS ${i + 1}" delivers nothing until verified once by hand: Monitoring → Alerting → Edit notification channels → Verify`,
      );
    }
    if (c.pagerduty) {
      channel("pagerduty", "main", {
        type: "pagerduty",
        displayName: "PagerDuty",
        sensitiveLabels: { serviceKey: c.pagerduty.serviceKey },
      });
    }
    if (c.webhook)
      channel("webhook", "main", {
        type: "webhook_tokenauth",
        displayName: "Webhook",
        labels: { url: c.webhook },
      });
    return channels;
  }
}

type Channel = { kind: ChannelKind; id: pulumi.Output<string> };

/** An HTTPS check of every public host and path, from every checker region. */
function uptimeChecks(name: string, args: AlertingArgs, parent: { parent: Alerting }) {
  return args.uptimeChecks.map(
    ({ host, path }) =>
      new gcp.monitoring.UptimeCheckConfig(
        `${name}-uptime-${host.replace(/[^a-z0-9]+/gi, "-")}${path.replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "") || "-root"}`,
        {
          project: args.project,
          displayName: `${args.app} ${args.environment} ${host}${path}`,
          period: `${args.uptimePeriodSeconds}s`,
          timeout: "10s",
          httpCheck: {
            path,
            port: 443,
            useSsl: true,
            validateSsl: true,
            acceptedResponseStatusCodes: [{ statusClass: "STATUS_CLASS_2XX" }],
          },
          monitoredResource: { type: "uptime_url", labels: { project_id: args.project, host } },
          // Every checker region (six): "down from more than one" needs several to compare.
          checkerType: "STATIC_IP_CHECKERS",
        },
        parent,
      ),
  );
}

/** The failed-logins metric, when the stack alerts on it, and the metric type policies read. */
function failedLoginsMetric(
  name: string,
  args: AlertingArgs,
  parent: { parent: Alerting },
): { resource: gcp.logging.Metric | undefined; type: string } {
  // Log-based metrics are per project: the name carries the app and environment, the filter
  // the stack's namespace, so two stacks in one project never count each other's logins.
  const logMetricName = `${args.app}_${args.environment}_failed_logins`.replace(/-/g, "_");
  const resource = args.policies.some((p) => p.entry.id === "failed-logins")
    ? new gcp.logging.Metric(
        `${name}-failed-logins`,
        {
          project: args.project,
          name: logMetricName,
          description: "Failed login attempts (log lines tagged event=login_failed)",
          filter: [
            'resource.type="k8s_container"',
            args.scope.namespace && `resource.labels.namespace_name="${args.scope.namespace}"`,
            'jsonPayload.event="login_failed"',
          ]
            .filter(Boolean)
            .join(" AND "),
          metricDescriptor: { metricKind: "DELTA", valueType: "INT64", unit: "1" },
        },
        parent,
      )
    : undefined;
  return { resource, type: `logging.googleapis.com/user/${logMetricName}` };
}

/** One catalogue entry as a policy, notifying the channels its severity routes to. */
function alertPolicy(
  name: string,
  args: AlertingArgs,
  { entry, threshold }: AlertingArgs["policies"][number],
  channels: readonly Channel[],
  logins: ReturnType<typeof failedLoginsMetric>,
  owner: Alerting,
): { summary: AlertSummary; name: pulumi.Output<string> } {
  const routes = CHANNELS_BY_SEVERITY[entry.severity].filter((kind) =>
    channels.some((ch) => ch.kind === kind),
  );
  const title = entry.title(threshold);
  const onLogins = entry.id === "failed-logins";
  const policy = new gcp.monitoring.AlertPolicy(
    `${name}-${entry.id}`,
    {
      project: args.project,
      displayName: `[${entry.severity}] ${args.app} ${args.environment}: ${title}`,
      combiner: "OR",
      severity: monitoringSeverity(entry.severity),
      conditions: [
        {
          displayName: title,
          conditionThreshold: {
            filter: conditionFilter(entry, onLogins ? logins.type : entry.metric, args.scope, args.hosts),
            comparison: entry.comparison,
            thresholdValue: threshold,
            duration: `${entry.durationSeconds}s`,
            aggregations: [
              {
                alignmentPeriod: `${entry.alignmentSeconds}s`,
                perSeriesAligner: entry.aligner,
                ...(entry.reducer ? { crossSeriesReducer: entry.reducer } : {}),
                ...(entry.groupBy ? { groupByFields: entry.groupBy } : {}),
              },
            ],
          },
        },
      ],
      notificationChannels: channels.filter((ch) => routes.includes(ch.kind)).map((ch) => ch.id),
      alertStrategy: { autoClose: "1800s" },
      userLabels: {
        severity: entry.severity.toLowerCase(),
        environment: args.environment,
        "managed-by": "garde",
      },
      documentation: {
        content: `garde catalogue entry ${entry.id} (${entry.severity}).`,
        mimeType: "text/markdown",
      },
    },
    // A policy on a log metric 404s until the metric exists.
    { parent: owner, ...(onLogins && logins.resource ? { dependsOn: [logins.resource] } : {}) },
  );
  return {
    summary: { id: entry.id, title, severity: entry.severity, threshold, unit: entry.unit, routes },
    name: policy.name,
  };
}

/**
 * Alert charts read each policy (its metric, its threshold line) by the name Cloud Monitoring
 * gave it: retuning a threshold changes the policy alone, and the dashboard never drifts.
 */
function alertDashboard(
  name: string,
  args: AlertingArgs,
  policyNames: pulumi.Output<string>[],
  parent: { parent: Alerting },
): void {
  new gcp.monitoring.Dashboard(
    `${name}-dashboard`,
    {
      project: args.project,
      dashboardJson: pulumi.all(policyNames).apply((names) =>
        JSON.stringify({
          displayName: `${args.app} ${args.environment}`,
          mosaicLayout: {
            columns: 12,
            tiles: args.policies.map(({ entry }, i) => ({
              xPos: (i % 2) * 6,
              yPos: Math.floor(i / 2) * 4,
              width: 6,
              height: 4,
              widget: { title: `[${entry.severity}] ${entry.id}`, alertChart: { name: names[i] } },
            })),
          },
        }),
      ),
    },
    parent,
  );
}
