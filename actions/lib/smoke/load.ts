import * as hdr from "hdr-histogram-js";
import { Pool } from "undici";
import type { LoadConfig } from "./config.ts";
import type { LoadResult, ThresholdResult } from "./report.ts";

export interface LoadOptions {
  /** Keep-alive connections to the target; create it with loadPool() so timeouts apply. */
  pool: Pool;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** One keep-alive connection per concurrent worker, with the per-request time limit. */
export function loadPool(origin: string, concurrency: number, timeoutMs: number): Pool {
  return new Pool(origin, { connections: concurrency, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
}

/**
 * N requests at concurrency C over keep-alive connections, round-robin over the paths.
 * Latency goes into an HDR histogram in microseconds (3 significant digits), so percentiles
 * are exact to 0.1 % without keeping every sample. A status ≥ 400 or a network error is an error.
 *
 * The hot path is undici's dispatch with a plain handler: no promise, stream or abort listener per
 * request (pool.request() builds all three, and cost the phase a third of autocannon's rate). Each
 * of the C workers issues its next request from the previous one's completion.
 */
export async function runLoad(base: string, config: LoadConfig, opts: LoadOptions): Promise<LoadResult> {
  const histogram = latencyHistogram();
  const prefix = new URL(base).pathname.replace(/\/$/, "");
  const paths = config.paths.map((p) => `${prefix}${p}`);
  let issued = 0;
  let completed = 0;
  let errors = 0;
  let note: string | null = null;
  // In-flight requests' abort functions: the run's deadline stops them all at once.
  const inFlight = new Set<(reason: Error) => void>();
  const onAbort = () => {
    note = "stopped early: the run's deadline passed";
    for (const abort of inFlight) abort(new Error("deadline"));
  };
  const started = performance.now();

  await new Promise<void>((finish) => {
    let running = config.concurrency;
    const stopWorker = () => {
      if (--running === 0) finish();
    };
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener("abort", onAbort, { once: true });

    // One handler per worker, reused for each of its requests: nothing is allocated per request
    // but the dispatch options.
    const worker = () => {
      let t0 = 0;
      let status = 0;
      let abort: ((reason: Error) => void) | null = null;
      const settle = (failed: boolean) => {
        if (abort) inFlight.delete(abort);
        if (failed || status >= 400) errors++;
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        completed++;
        issue();
      };
      const handler = {
        onConnect(abortRequest: (reason: Error) => void) {
          abort = abortRequest;
          inFlight.add(abortRequest);
        },
        onHeaders(statusCode: number) {
          status = statusCode;
          return true;
        },
        onData() {
          return true;
        },
        onComplete() {
          settle(false);
        },
        onError() {
          if (!opts.signal.aborted) return settle(true);
          if (abort) inFlight.delete(abort);
          stopWorker();
        },
      };
      const issue = () => {
        if (issued >= config.requests || opts.signal.aborted) return stopWorker();
        const path = paths[issued % paths.length] as string;
        issued++;
        status = 0;
        abort = null;
        t0 = performance.now();
        opts.pool.dispatch({ path, method: "GET", headers: opts.headers }, handler);
      };
      issue();
    };
    for (let i = 0; i < config.concurrency; i++) worker();
  });
  opts.signal.removeEventListener("abort", onAbort);
  const durationMs = performance.now() - started;
  const result = loadResult(histogram, config, { completed, errors, durationMs, note });
  histogram.destroy();
  return result;
}

/** Microseconds from 1 µs to an hour, 3 significant digits: percentiles exact to 0.1 %. */
function latencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** The phase's figures from its histogram and counts: percentiles, error rate, each threshold's verdict. */
function loadResult(
  histogram: hdr.Histogram,
  config: LoadConfig,
  {
    completed,
    errors,
    durationMs,
    note,
  }: { completed: number; errors: number; durationMs: number; note: string | null },
): LoadResult {
  const at = (p: number) => (completed ? histogram.getValueAtPercentile(p) / 1000 : 0);
  const latencyMs = {
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: completed ? histogram.maxValue / 1000 : 0,
    mean: completed ? histogram.mean / 1000 : 0,
  };
  const unfinished = config.requests - completed;
  const errorRate = (errors + unfinished) / config.requests;
  const thresholds: ThresholdResult[] = [
    {
      name: "errorRate",
      limit: config.thresholds.errorRate,
      actual: errorRate,
      passed: errorRate <= config.thresholds.errorRate,
    },
  ];
  for (const name of ["p50", "p95", "p99"] as const) {
    const limit = config.thresholds[name];
    if (limit !== undefined)
      thresholds.push({ name, limit, actual: latencyMs[name], passed: latencyMs[name] <= limit });
  }
  return {
    requests: config.requests,
    completed,
    concurrency: config.concurrency,
    errors: errors + unfinished,
    errorRate,
    requestsPerSecond: completed / (durationMs / 1000),
    durationMs,
    latencyMs,
    thresholds,
    passed: thresholds.every((t) => t.passed) && unfinished === 0,
    note,
  };
}
