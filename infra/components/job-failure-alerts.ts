import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import {
  type AlertSummary,
  CHANNELS_BY_SEVERITY,
  monitoringSeverity,
  type Severity,
} from "../alert-catalogue.ts";

/** A garde job on a schedule (the backup, the drill), and where its runs can be seen failing. */
export type ScheduledJob = {
  role: string /** What a failed run means, when more than "it failed". */;
  title?: string;
} & (
  | { executor: "kubernetes-cronjob"; namespace: string; container: string }
  | { executor: "cloud-run-job"; jobName: string }
);

/** The seeds route a failed or missing backup as P2: Slack within minutes, then email. */
const SEVERITY: Severity = "P2";

/**
 * One P2 alert per scheduled job, firing on any failed run: a backup that fails every night is
 * otherwise seen only when someone needs it. A Cloud Run job reports failed executions itself; a
 * CronJob's failure is garde's own error line ("garde: …", what it prints before exiting 1 or 2),
 * counted by a log-based metric of the job's container.
 */
export function jobFailureAlerts(
  name: string,
  args: { project: string; app: string; environment: string; jobs: readonly ScheduledJob[] },
  channels: readonly { kind: string; id: pulumi.Output<string> }[],
  parent: pulumi.Resource,
): AlertSummary[] {
  const routes = CHANNELS_BY_SEVERITY[SEVERITY].filter((kind) => channels.some((c) => c.kind === kind));
  return args.jobs.map((job) => {
    const title = job.title ?? `garde ${job.role} job failed`;
    const { filter, metric } = failureSeries(name, args, job, parent);
    new gcp.monitoring.AlertPolicy(
      `${name}-${job.role}-failed`,
      {
        project: args.project,
        displayName: `[${SEVERITY}] ${args.app} ${args.environment}: ${title}`,
        combiner: "OR",
        severity: monitoringSeverity(SEVERITY),
        conditions: [
          {
            displayName: title,
            conditionThreshold: {
              filter,
              comparison: "COMPARISON_GT",
              thresholdValue: 0,
              duration: "0s",
              aggregations: [{ alignmentPeriod: "300s", perSeriesAligner: "ALIGN_SUM" }],
            },
          },
        ],
        notificationChannels: channels.filter((c) => routes.includes(c.kind as never)).map((c) => c.id),
        alertStrategy: { autoClose: "86400s" },
        userLabels: {
          severity: SEVERITY.toLowerCase(),
          environment: args.environment,
          "managed-by": "garde",
        },
        documentation: {
          content: `A scheduled \`garde ${job.role}\` run failed: its log says why. Rerun it by hand (kubectl create job --from=cronjob/…, or gcloud run jobs execute …) once fixed.`,
          mimeType: "text/markdown",
        },
      },
      // A policy on a log metric 404s until the metric exists.
      { parent, ...(metric ? { dependsOn: [metric] } : {}) },
    );
    return { id: `${job.role}-failed`, title, severity: SEVERITY, threshold: 0, unit: "failed runs", routes };
  });
}

function failureSeries(
  name: string,
  args: { project: string; app: string; environment: string },
  job: ScheduledJob,
  parent: pulumi.Resource,
): { filter: string; metric?: gcp.logging.Metric } {
  if (job.executor === "cloud-run-job") {
    return {
      filter: [
        'metric.type = "run.googleapis.com/job/completed_execution_count"',
        'resource.type = "cloud_run_job"',
        `resource.label.job_name = "${job.jobName}"`,
        'metric.label.result = "failed"',
      ].join(" AND "),
    };
  }
  const metricName = `${args.app}_${args.environment}_garde_${job.role}_failures`.replace(/-/g, "_");
  const metric = new gcp.logging.Metric(
    `${name}-${job.role}-failures`,
    {
      project: args.project,
      name: metricName,
      description: `Failed garde ${job.role} runs (garde's error line in the CronJob's container)`,
      filter: [
        'resource.type="k8s_container"',
        `resource.labels.namespace_name="${job.namespace}"`,
        `resource.labels.container_name="${job.container}"`,
        'textPayload=~"^garde: "',
      ].join(" AND "),
      metricDescriptor: { metricKind: "DELTA", valueType: "INT64", unit: "1" },
    },
    { parent },
  );
  return {
    filter: `metric.type = "logging.googleapis.com/user/${metricName}" AND resource.type = "k8s_container"`,
    metric,
  };
}
