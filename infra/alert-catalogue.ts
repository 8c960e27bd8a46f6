/**
 * Alert policies built from the seeds' thresholds (CSAR: 5xx > 5 in 5 min, CPU > 80 %, memory
 * > 90 %, disk < 10 %; tenants: P95 > 2 s, the site down; Cesizen: failed logins > 50/min,
 * certificates < 30 days). Each applies only where a resource of the stack emits its metric;
 * tests/infra/alert-semantics.test.ts evaluates every condition on synthetic time series.
 */
export type Severity = "P1" | "P2" | "P3" | "P4";

/** Cloud Monitoring's own severity for a seed severity (P3 and P4 both WARNING: it has three). */
export function monitoringSeverity(severity: Severity): "CRITICAL" | "ERROR" | "WARNING" {
  return severity === "P1" ? "CRITICAL" : severity === "P2" ? "ERROR" : "WARNING";
}

/** Where an alert can go. */
export type ChannelKind = "slack" | "email" | "sms" | "pagerduty" | "webhook";

/** An alert as garde plan lists it: what it watches, how bad, where it goes. */
export interface AlertSummary {
  id: string;
  title: string;
  severity: string;
  threshold: number;
  unit: string;
  routes: ChannelKind[];
}

/** The stacks garde knows; each catalogue entry has a threshold per environment. */
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type StackEnvironment = (typeof ENVIRONMENTS)[number];

export const ALERT_IDS = [
  "http-5xx",
  "latency-p95",
  "availability",
  "cpu",
  "memory",
  "disk",
  "cert-expiry",
  "failed-logins",
] as const;
export type AlertId = (typeof ALERT_IDS)[number];

const percent = (fraction: number) => Math.round(fraction * 1000) / 10;

/**
 * What emits each metric: an uptime check on a public host, the app's containers, the load
 * balancer in front of them (only when the app is exposed through an Ingress), Cloud SQL, or a
 * log-based metric over the containers' logs.
 */
export type Needs = "uptime" | "containers" | "loadBalancer" | "cloudSql" | "containerLogs";

export const NEEDS_EXPLAINED: Record<Needs, string> = {
  uptime: "a public host to probe (garde:vercel.domain, garde:vercel.stagingDomain or garde:kubernetes.host)",
  containers: "garde:kubernetes",
  loadBalancer: "garde:kubernetes.host (an Ingress and its load balancer emit the metric)",
  cloudSql: "garde:backups.cloudSql",
  containerLogs: "garde:kubernetes (the log metric counts its containers' log lines)",
};

export interface CatalogueEntry {
  id: AlertId;
  title: (threshold: number) => string;
  severity: Severity;
  needs: Needs;
  metric: string;
  /** The monitored resource type the metric is written against. */
  resourceType: string;
  /** Extra filter terms beyond the metric, the resource type and the stack's scope. */
  filter?: string;
  comparison: "COMPARISON_GT" | "COMPARISON_LT";
  /** Default threshold in the metric's unit, per environment (dev tolerates more). */
  threshold: Record<StackEnvironment, number>;
  /** How long the condition must hold; 0 fires on the first aligned point over the threshold. */
  durationSeconds: number;
  aligner: string;
  alignmentSeconds: number;
  reducer?: string;
  groupBy?: string[];
  unit: string;
}

export const ALERT_CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: "http-5xx",
    title: (t) => `5xx responses > ${t} in 5 min`,
    severity: "P1",
    needs: "loadBalancer",
    metric: "loadbalancing.googleapis.com/https/request_count",
    resourceType: "https_lb_rule",
    filter: 'metric.label.response_code_class = "500"',
    comparison: "COMPARISON_GT",
    threshold: { dev: 50, staging: 20, prod: 5 },
    // A 5-minute sliding sum: "more than 5 in 5 minutes" is one aligned point above 5.
    durationSeconds: 0,
    aligner: "ALIGN_DELTA",
    alignmentSeconds: 300,
    reducer: "REDUCE_SUM",
    unit: "responses",
  },
  {
    id: "latency-p95",
    title: (t) => `P95 latency > ${t / 1000} s`,
    severity: "P2",
    needs: "loadBalancer",
    metric: "loadbalancing.googleapis.com/https/total_latencies",
    resourceType: "https_lb_rule",
    comparison: "COMPARISON_GT",
    threshold: { dev: 5000, staging: 3000, prod: 2000 },
    durationSeconds: 300,
    // A distribution: merge every series' requests, then take the 95th percentile of them all.
    aligner: "ALIGN_DELTA",
    alignmentSeconds: 60,
    reducer: "REDUCE_PERCENTILE_95",
    unit: "ms",
  },
  {
    id: "availability",
    title: (t) => `site down from more than ${t} region${t === 1 ? "" : "s"}`,
    severity: "P1",
    needs: "uptime",
    metric: "monitoring.googleapis.com/uptime_check/check_passed",
    resourceType: "uptime_url",
    comparison: "COMPARISON_GT",
    // Failing checker regions: one region's network blip never pages anyone.
    threshold: { dev: 1, staging: 1, prod: 1 },
    durationSeconds: 60,
    aligner: "ALIGN_NEXT_OLDER",
    alignmentSeconds: 300,
    reducer: "REDUCE_COUNT_FALSE",
    groupBy: ["metric.label.check_id"],
    unit: "regions",
  },
  {
    id: "cpu",
    title: (t) => `CPU > ${percent(t)} % of the request`,
    severity: "P2",
    needs: "containers",
    // Requests are set and limits are not (a CPU limit throttles): utilisation of the request.
    metric: "kubernetes.io/container/cpu/request_utilization",
    resourceType: "k8s_container",
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
    needs: "containers",
    metric: "kubernetes.io/container/memory/limit_utilization",
    resourceType: "k8s_container",
    // Evictable memory (page cache) is reclaimed before an OOM kill: it is not pressure.
    filter: 'metric.label.memory_type = "non-evictable"',
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
    resourceType: "cloudsql_database",
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
    resourceType: "uptime_url",
    comparison: "COMPARISON_LT",
    threshold: { dev: 7, staging: 14, prod: 30 },
    durationSeconds: 600,
    aligner: "ALIGN_NEXT_OLDER",
    alignmentSeconds: 1200,
    reducer: "REDUCE_MIN",
    groupBy: ["resource.label.host"],
    unit: "days",
  },
  {
    id: "failed-logins",
    title: (t) => `failed logins > ${t}/min`,
    severity: "P1",
    needs: "containerLogs",
    // The stack's own log metric (see Alerting): its type carries the app and environment.
    metric: "logging.googleapis.com/user/failed_logins",
    resourceType: "k8s_container",
    comparison: "COMPARISON_GT",
    threshold: { dev: 500, staging: 200, prod: 50 },
    // Count per minute (ALIGN_DELTA), not per second (ALIGN_RATE would read 50 as 3,000/min).
    durationSeconds: 0,
    aligner: "ALIGN_DELTA",
    alignmentSeconds: 60,
    reducer: "REDUCE_SUM",
    unit: "per minute",
  },
];

/**
 * What of a stack's config decides which alerts it can have. The catalogue owns its ids and the
 * config imports them; the config's StackConfig has this shape, so the catalogue never imports it.
 */
export interface AlertedStack {
  environment: StackEnvironment;
  vercel?: { domain?: string | undefined; stagingDomain?: string | undefined } | undefined;
  kubernetes?: { host?: string | undefined } | undefined;
  backups?: { cloudSql?: unknown } | undefined;
  alerts?:
    | {
        /** Paths for every public host, or per host. */
        uptimePaths: readonly string[] | Readonly<Record<string, readonly string[]>>;
        policies?: readonly AlertId[] | undefined;
        thresholds: Partial<Record<AlertId, number>>;
      }
    | undefined;
}

/** The stack's public hosts: the Vercel production or staging domain, the API's host. */
export function publicHosts(config: AlertedStack): string[] {
  const web = config.vercel?.domain ?? config.vercel?.stagingDomain;
  return [web, config.kubernetes?.host].filter((h): h is string => Boolean(h));
}

/**
 * Each uptime check: a host and a path it serves. A list of paths applies to every public host;
 * a map names each host's own, so a branch domain is never paged for a path only the API has.
 */
export function uptimeChecksOf(config: AlertedStack): { host: string; path: string }[] {
  const paths = config.alerts?.uptimePaths ?? [];
  return publicHosts(config).flatMap((host) => {
    const own = Array.isArray(paths) ? paths : (paths as Readonly<Record<string, readonly string[]>>)[host];
    return (own ?? []).map((path: string) => ({ host, path }));
  });
}

/** The hosts that have an uptime check. */
export function uptimeHosts(config: AlertedStack): string[] {
  return [...new Set(uptimeChecksOf(config).map((c) => c.host))];
}

/** Which metric sources a stack has. */
export function metricSources(config: AlertedStack): Record<Needs, boolean> {
  return {
    uptime: uptimeChecksOf(config).length > 0,
    containers: Boolean(config.kubernetes),
    loadBalancer: Boolean(config.kubernetes?.host),
    cloudSql: Boolean(config.backups?.cloudSql),
    containerLogs: Boolean(config.kubernetes),
  };
}

/** The entries a stack gets: those whose metric exists there, narrowed by `alerts.policies`. */
export function alertsFor(config: AlertedStack): { entry: CatalogueEntry; threshold: number }[] {
  const alerts = config.alerts;
  if (!alerts) return [];
  const has = metricSources(config);
  return ALERT_CATALOGUE.filter((e) => has[e.needs])
    .filter((e) => !alerts.policies || alerts.policies.includes(e.id))
    .map((entry) => ({
      entry,
      threshold: alerts.thresholds[entry.id] ?? entry.threshold[config.environment],
    }));
}

/**
 * Cesizen's matrix: P1 → SMS, Slack, email (and PagerDuty) at once; P2 → Slack and email;
 * P3 and P4 → email. A webhook hears everything. The seed groups P3 daily and P4 weekly;
 * Cloud Monitoring cannot batch metric alerts, so `garde plan` says so instead of claiming it.
 */
export const CHANNELS_BY_SEVERITY: Record<Severity, readonly ChannelKind[]> = {
  P1: ["sms", "slack", "email", "pagerduty", "webhook"],
  P2: ["slack", "email", "webhook"],
  P3: ["email", "webhook"],
  P4: ["email", "webhook"],
};
