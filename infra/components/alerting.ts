import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { type CatalogueEntry, CHANNELS_BY_SEVERITY, DIGEST_SECONDS } from "../alert-catalogue.ts";

type ChannelKind = "slack" | "email" | "sms" | "pagerduty" | "webhook";

export interface AlertingArgs {
  project: string;
  environment: string;
  app: string;
  /** Host the uptime checks reach (production domain or the cluster's ingress host). */
  host?: string | undefined;
  uptimePaths: string[];
  uptimePeriodSeconds: number;
  policies: { entry: CatalogueEntry; threshold: number }[];
  channels: {
    slack?: { channel: string; token: pulumi.Input<string> } | undefined;
    email?: string[] | undefined;
    sms?: string[] | undefined;
    pagerduty?: { serviceKey: pulumi.Input<string> } | undefined;
    webhook?: string | undefined;
  };
}

/** What the inventory shows of each policy. */
export interface AlertSummary {
  id: string;
  title: string;
  severity: string;
  threshold: number;
  unit: string;
  routes: ChannelKind[];
  digest: string | null;
}

/**
 * Notification channels, uptime checks, alert policies routed by severity, and a dashboard.
 * Channel credentials arrive as secrets and go only into sensitive labels.
 */
export class Alerting extends pulumi.ComponentResource {
  readonly policies: AlertSummary[];
  readonly uptimeChecks: pulumi.Output<string[]>;

  constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:gcp:Alerting", name, {}, opts);
    const parent = { parent: this };
    const channels: { kind: ChannelKind; id: pulumi.Output<string> }[] = [];
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

    const uptime = args.host
      ? args.uptimePaths.map(
          (path) =>
            new gcp.monitoring.UptimeCheckConfig(
              `${name}-uptime${path.replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "") || "-root"}`,
              {
                project: args.project,
                displayName: `${args.app} ${args.environment} ${path}`,
                period: `${args.uptimePeriodSeconds}s`,
                timeout: "10s",
                httpCheck: {
                  path,
                  port: 443,
                  useSsl: true,
                  validateSsl: true,
                  acceptedResponseStatusCodes: [{ statusClass: "STATUS_CLASS_2XX" }],
                },
                monitoredResource: {
                  type: "uptime_url",
                  labels: { project_id: args.project, host: args.host as string },
                },
                checkerType: "STATIC_IP_CHECKERS",
              },
              parent,
            ),
        )
      : [];

    if (args.policies.some((p) => p.entry.id === "failed-logins")) {
      new gcp.logging.Metric(
        `${name}-failed-logins`,
        {
          project: args.project,
          name: "failed_logins",
          description: "Failed login attempts (log lines tagged event=login_failed)",
          filter: 'jsonPayload.event="login_failed"',
          metricDescriptor: { metricKind: "DELTA", valueType: "INT64", unit: "1" },
        },
        parent,
      );
    }

    this.policies = args.policies.map(({ entry, threshold }) => {
      const routes = CHANNELS_BY_SEVERITY[entry.severity].filter((kind) =>
        channels.some((ch) => ch.kind === kind),
      );
      const digest = DIGEST_SECONDS[entry.severity];
      const title = entry.title(threshold);
      new gcp.monitoring.AlertPolicy(
        `${name}-${entry.id}`,
        {
          project: args.project,
          displayName: `[${entry.severity}] ${args.app} ${args.environment}: ${title}`,
          combiner: "OR",
          severity: entry.severity === "P1" ? "CRITICAL" : entry.severity === "P2" ? "ERROR" : "WARNING",
          conditions: [
            {
              displayName: title,
              conditionThreshold: {
                filter: [`metric.type = "${entry.metric}"`, entry.filter].filter(Boolean).join(" AND "),
                comparison: entry.comparison,
                thresholdValue: threshold,
                duration: `${entry.durationSeconds}s`,
                aggregations: [
                  {
                    alignmentPeriod: `${entry.alignmentSeconds}s`,
                    perSeriesAligner: entry.aligner,
                    ...(entry.reducer ? { crossSeriesReducer: entry.reducer } : {}),
                  },
                ],
              },
            },
          ],
          notificationChannels: channels.filter((ch) => routes.includes(ch.kind)).map((ch) => ch.id),
          alertStrategy: digest
            ? { notificationRateLimit: { period: `${digest}s` } }
            : { autoClose: "1800s" },
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
        parent,
      );
      return {
        id: entry.id,
        title,
        severity: entry.severity,
        threshold,
        unit: entry.unit,
        routes,
        digest: digest ? (digest === 86_400 ? "daily" : "weekly") : null,
      };
    });

    new gcp.monitoring.Dashboard(
      `${name}-dashboard`,
      {
        project: args.project,
        dashboardJson: JSON.stringify({
          displayName: `${args.app} ${args.environment}`,
          mosaicLayout: {
            columns: 12,
            tiles: args.policies.map(({ entry, threshold }, i) => ({
              xPos: (i % 2) * 6,
              yPos: Math.floor(i / 2) * 4,
              width: 6,
              height: 4,
              widget: {
                title: entry.title(threshold),
                xyChart: {
                  dataSets: [
                    {
                      timeSeriesQuery: {
                        timeSeriesFilter: {
                          filter: [`metric.type = "${entry.metric}"`, entry.filter]
                            .filter(Boolean)
                            .join(" AND "),
                          aggregation: {
                            alignmentPeriod: `${entry.alignmentSeconds}s`,
                            perSeriesAligner: entry.aligner,
                          },
                        },
                      },
                    },
                  ],
                },
              },
            })),
          },
        }),
      },
      parent,
    );
    this.uptimeChecks = pulumi.all(uptime.map((u) => u.uptimeCheckId));
    this.registerOutputs({ uptimeChecks: this.uptimeChecks });
  }
}
