/** The typed outcome of a smoke run: what the action outputs as JSON and the tables render. */

export interface CheckResult {
  name: string;
  method: string;
  path: string;
  passed: boolean;
  /** Last status seen; null when no response came back. */
  status: number | null;
  latencyMs: number | null;
  attempts: number;
  /** Why the last attempt failed; empty when passed. */
  failures: string[];
}

export interface ThresholdResult {
  name: "errorRate" | "p50" | "p95" | "p99";
  limit: number;
  actual: number;
  passed: boolean;
}

export interface LoadResult {
  requests: number;
  completed: number;
  concurrency: number;
  errors: number;
  errorRate: number;
  requestsPerSecond: number;
  durationMs: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  thresholds: ThresholdResult[];
  passed: boolean;
  /** Why it did not run or stopped early. */
  note: string | null;
}

export interface SmokeReport {
  url: string;
  passed: boolean;
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
  load: LoadResult | null;
}

/** What a table cell shows for a figure that was never measured. */
export const NOT_MEASURED = "—";

const ms = (v: number | null) => (v === null ? NOT_MEASURED : `${Math.round(v)} ms`);

/** Table rows, failures first, for the job summary, the CLI and the sandbox story. */
export function smokeTableRows(report: SmokeReport): string[][] {
  const header = ["", "Check", "Status", "Latency", "Attempts", "Detail"];
  const ordered = [...report.checks].sort((a, b) => Number(a.passed) - Number(b.passed));
  const rows = ordered.map((c) => [
    c.passed ? "✓" : "✗",
    `${c.name} (${c.method} ${c.path})`,
    c.status === null ? NOT_MEASURED : String(c.status),
    ms(c.latencyMs),
    String(c.attempts),
    c.failures.join("; "),
  ]);
  const load = report.load;
  if (load) {
    const failed = load.thresholds.filter((t) => !t.passed);
    // A load phase that sent nothing (a check failed first) has no figures: zeros would read as measured.
    const ran = load.completed > 0;
    const row = [
      load.passed ? "✓" : "✗",
      `load ${load.requests} requests at ${load.concurrency}`,
      ran ? `${(load.errorRate * 100).toFixed(1)}% errors` : NOT_MEASURED,
      ran
        ? `p50 ${ms(load.latencyMs.p50)} · p95 ${ms(load.latencyMs.p95)} · p99 ${ms(load.latencyMs.p99)}`
        : NOT_MEASURED,
      ran ? `${load.requestsPerSecond.toFixed(0)} req/s` : NOT_MEASURED,
      load.note ??
        failed
          .map((t) =>
            t.name === "errorRate"
              ? `error rate ${(t.actual * 100).toFixed(1)}% > ${(t.limit * 100).toFixed(1)}%`
              : `${t.name} ${Math.round(t.actual)} ms > ${t.limit} ms`,
          )
          .join("; "),
    ];
    if (load.passed) rows.push(row);
    else rows.splice(ordered.filter((c) => !c.passed).length, 0, row);
  }
  return [header, ...rows];
}

/** Plain-text table for terminals. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function summarize(report: SmokeReport): string {
  const failed = report.checks.filter((c) => !c.passed);
  const parts = [`${report.checks.length - failed.length}/${report.checks.length} checks passed`];
  const load = report.load;
  if (load?.note) parts.push(`load ${load.note}`);
  else if (load) {
    const over = load.thresholds.filter((t) => !t.passed).map((t) => t.name);
    parts.push(
      `load p95 ${Math.round(load.latencyMs.p95)} ms, ${(load.errorRate * 100).toFixed(1)}% errors${over.length ? ` (over threshold: ${over.join(", ")})` : ""}`,
    );
  }
  const first = failed[0];
  if (first) parts.push(`first failure: ${first.name}: ${first.failures.join("; ")}`);
  return parts.join("; ");
}
