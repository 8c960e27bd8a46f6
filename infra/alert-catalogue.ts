import type { StackConfig } from "./config.ts";

/**
 * Alert policies built from the seeds' thresholds (CSAR: 5xx > 5 in 5 min, CPU > 80 %, memory
 * > 90 %, disk < 10 %; tenants: P95 > 2 s, availability < 99.9 %; Cesizen: failed logins > 50/min,
 * certificates < 30 days). Each applies only where its metric exists.
 */
export type Severity = "P1" | "P2" | "P3" | "P4";

const percent = (fraction: number) => Math.round(fraction * 1000) / 10;

/** The public host uptime checks reach: the production domain, else the staging one. */
export function uptimeHost(config: StackConfig): string | undefined {
  return config.vercel?.domain ?? config.vercel?.stagingDomain;
}
export type Needs = "uptime" | "kubernetes" | "cloudSql" | "logs";

export interface CatalogueEntry {
  id: string;
  title: (threshold: number) => string;
  severity: Severity;
  needs: Needs;
  metric: string;
  /** Extra filter terms beyond the metric type. */
  filter?: string;
  comparison: "COMPARISON_GT" | "COMPARISON_LT";
  /** Default threshold in the metric's unit, per environment (dev tolerates more). */
  threshold: Record<StackConfig["environment"], number>;
  /** How long the condition must hold. */
  durationSeconds: number;
  aligner: string;
  alignmentSeconds: number;
  reducer?: string;
  unit: string;
}

export const ALERT_CATALOGUE: CatalogueEntry[] = [
  {
    id: "http-5xx",
    title: (t) => `5xx responses > ${t} in 5 min`,
    severity: "P1",
    needs: "kubernetes",
    metric: "loadbalancing.googleapis.com/https/request_count",
    filter: "metric.label.response_code_class = 500",
    comparison: "COMPARISON_GT",
    threshold: { dev: 50, staging: 20, prod: 5 },
    durationSeconds: 0,
    aligner: "ALIGN_SUM",
    alignmentSeconds: 300,
    reducer: "REDUCE_SUM",
    unit: "responses",
  },
  {
    id: "latency-p95",
    title: (t) => `P95 latency > ${t / 1000} s`,
    severity: "P2",
    needs: "kubernetes",
    metric: "loadbalancing.googleapis.com/https/total_latencies",
    comparison: "COMPARISON_GT",
    threshold: { dev: 5000, staging: 3000, prod: 2000 },
    durationSeconds: 300,
    aligner: "ALIGN_PERCENTILE_95",
    alignmentSeconds: 60,
    unit: "ms",
  },
  {
    id: "availability",
    title: (t) => `availability < ${percent(t)} %`,
    severity: "P1",
    needs: "uptime",
    metric: "monitoring.googleapis.com/uptime_check/check_passed",
    comparison: "COMPARISON_LT",
    threshold: { dev: 0.9, staging: 0.99, prod: 0.999 },
    durationSeconds: 300,
    aligner: "ALIGN_FRACTION_TRUE",
    alignmentSeconds: 300,
    reducer: "REDUCE_MEAN",
    unit: "fraction",
  },
  {
    id: "cpu",
    title: (t) => `CPU > ${percent(t)} %`,
    severity: "P2",
    needs: "kubernetes",
    metric: "kubernetes.io/container/cpu/limit_utilization",
    comparison: "COMPARISON_GT",
    threshold: { dev: 0.95, staging: 0.9, prod: 0.8 },
    durationSeconds: 300,
    aligner: "ALIGN_MEAN",
    alignmentSeconds: 60,
    unit: "fraction",
  },
  {
    id: "memory",
    title: (t) => `memory > ${percent(t)} %`,
    severity: "P2",
    needs: "kubernetes",
    metric: "kubernetes.io/container/memory/limit_utilization",
    comparison: "COMPARISON_GT",
    threshold: { dev: 0.95, staging: 0.9, prod: 0.9 },
    durationSeconds: 300,
    aligner: "ALIGN_MEAN",
    alignmentSeconds: 60,
    unit: "fraction",
  },
  {
    id: "disk",
    title: (t) => `database disk free < ${percent(1 - t)} %`,
    severity: "P2",
    needs: "cloudSql",
    metric: "cloudsql.googleapis.com/database/disk/utilization",
    comparison: "COMPARISON_GT",
    threshold: { dev: 0.95, staging: 0.9, prod: 0.9 },
    durationSeconds: 600,
    aligner: "ALIGN_MEAN",
    alignmentSeconds: 300,
    unit: "fraction",
  },
  {
    id: "cert-expiry",
    title: (t) => `TLS certificate expires in < ${t} days`,
    severity: "P3",
    needs: "uptime",
    metric: "monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires",
    comparison: "COMPARISON_LT",
    threshold: { dev: 7, staging: 14, prod: 30 },
    durationSeconds: 600,
    aligner: "ALIGN_NEXT_OLDER",
    alignmentSeconds: 1200,
    reducer: "REDUCE_MIN",
    unit: "days",
  },
  {
    id: "failed-logins",
    title: (t) => `failed logins > ${t}/min`,
    severity: "P1",
    needs: "logs",
    metric: "logging.googleapis.com/user/failed_logins",
    comparison: "COMPARISON_GT",
    threshold: { dev: 500, staging: 200, prod: 50 },
    durationSeconds: 60,
    aligner: "ALIGN_RATE",
    alignmentSeconds: 60,
    reducer: "REDUCE_SUM",
    unit: "per minute",
  },
];

/** The entries a stack gets: those whose metric exists there, narrowed by `alerts.policies`. */
export function alertsFor(config: StackConfig): { entry: CatalogueEntry; threshold: number }[] {
  const alerts = config.alerts;
  if (!alerts) return [];
  const has: Record<Needs, boolean> = {
    uptime: alerts.uptimePaths.length > 0 && Boolean(uptimeHost(config)),
    kubernetes: Boolean(config.kubernetes),
    cloudSql: Boolean(config.backups?.cloudSql),
    logs: Boolean(config.kubernetes),
  };
  return ALERT_CATALOGUE.filter((e) => has[e.needs])
    .filter((e) => !alerts.policies || alerts.policies.includes(e.id))
    .map((entry) => ({
      entry,
      threshold: alerts.thresholds[entry.id] ?? entry.threshold[config.environment],
    }));
}

/**
 * Cesizen's matrix: P1 → SMS, Slack, email (and PagerDuty) at once; P2 → Slack and email;
 * P3 → email, grouped daily; P4 → email, grouped weekly. A webhook hears everything.
 */
export const CHANNELS_BY_SEVERITY: Record<
  Severity,
  readonly ("slack" | "email" | "sms" | "pagerduty" | "webhook")[]
> = {
  P1: ["sms", "slack", "email", "pagerduty", "webhook"],
  P2: ["slack", "email", "webhook"],
  P3: ["email", "webhook"],
  P4: ["email", "webhook"],
};

/** Notification rate limit that turns P3/P4 into digests. */
export const DIGEST_SECONDS: Record<Severity, number | null> = {
  P1: null,
  P2: null,
  P3: 86_400,
  P4: 604_800,
};
