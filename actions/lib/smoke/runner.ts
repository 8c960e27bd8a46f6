import { Agent, request } from "undici";
import type { Clock, Reporter } from "../reporter.ts";
import type { SmokeCheck, SmokeConfig } from "./config.ts";
import { evaluate } from "./expectations.ts";
import { loadPool, runLoad } from "./load.ts";
import type { CheckResult, LoadResult, SmokeReport } from "./report.ts";
import { type EnvLookup, redact, resolveHeaders } from "./secrets.ts";

export interface SmokeRunOptions {
  clock: Clock;
  reporter: Reporter;
  /** Where ${NAME} header references are looked up. */
  env: EnvLookup;
}

const BODY_LIMIT = 1024 * 1024;
const MAX_REDIRECTS = 5;

/** Network failures, in words a person paged at night understands. */
function describeError(err: unknown, timeoutMs: number, deadlineHit: boolean): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (deadlineHit) return "stopped: the run's deadline passed";
  if (e.name === "TimeoutError" || e.name === "AbortError" || code === "UND_ERR_ABORTED")
    return `no answer within ${timeoutMs} ms`;
  if (code === "ECONNREFUSED") return "connection refused (ECONNREFUSED)";
  if (code === "ENOTFOUND") return "host not found (ENOTFOUND)";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT")
    return `no answer within ${timeoutMs} ms`;
  if (code === "UND_ERR_REQ_RETRY" || /redirect/i.test(e.message ?? ""))
    return `redirect failed: ${e.message}`;
  return `${code ?? e.name ?? "error"}: ${e.message ?? String(err)}`;
}

async function readLimited(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < BODY_LIMIT) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, BODY_LIMIT);
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** What every check of one run shares: the target, the deadline, the connection pool, the secrets to redact. */
interface RunContext {
  base: string;
  config: SmokeConfig;
  clock: Clock;
  reporter: Reporter;
  agent: Agent;
  deadline: AbortSignal;
  deadlineAt: number;
  secrets: readonly string[];
}

/**
 * Runs the checks (retrying each, with doubling backoff, until it passes or its attempts or the
 * deadline run out), then, when they all pass, the load phase. Never throws for a failing
 * target: every failure is in the report. Throws InputError for a header referencing an unset
 * variable, before any request.
 */
export async function runSmoke(
  baseUrl: string,
  config: SmokeConfig,
  opts: SmokeRunOptions,
): Promise<SmokeReport> {
  const { clock } = opts;
  const started = clock.now();
  const startedAt = new Date().toISOString();
  const resolved = config.checks.map((c, i) => resolveHeaders(c.headers, opts.env, `checks[${i}]`));
  const loadHeaders = config.load ? resolveHeaders(config.load.headers, opts.env, "load") : undefined;
  const ctx: RunContext = {
    base: baseUrl.replace(/\/$/, ""),
    config,
    clock,
    reporter: opts.reporter,
    agent: new Agent({ connect: { timeout: config.timeout } }),
    deadline: AbortSignal.timeout(config.deadline),
    deadlineAt: started + config.deadline,
    secrets: [...resolved.flatMap((r) => r.secrets), ...(loadHeaders?.secrets ?? [])],
  };
  try {
    const checks = await mapLimit(config.checks, config.concurrency, (check, i) =>
      runCheck(ctx, check, resolved[i]?.headers ?? {}),
    );
    const load = config.load
      ? checks.every((c) => c.passed)
        ? await loadPhase(ctx, config.load, loadHeaders?.headers ?? {})
        : skippedLoad(config.load)
      : null;
    return {
      url: baseUrl,
      passed: checks.every((c) => c.passed) && (load?.passed ?? true),
      startedAt,
      durationMs: clock.now() - started,
      checks,
      load,
    };
  } finally {
    await ctx.agent.close();
  }
}

/** One check, tried until it passes or its attempts, or the run's deadline, run out. */
async function runCheck(
  ctx: RunContext,
  check: SmokeCheck,
  resolvedHeaders: Record<string, string>,
): Promise<CheckResult> {
  const { config, clock } = ctx;
  const name = check.name ?? `${check.method} ${check.path}`;
  const headers = { ...resolvedHeaders };
  let body: string | undefined;
  if (check.body !== undefined) {
    body = typeof check.body === "string" ? check.body : JSON.stringify(check.body);
    if (typeof check.body !== "string") headers["content-type"] ??= "application/json";
  }
  const result: CheckResult = {
    name,
    method: check.method,
    path: check.path,
    passed: false,
    status: null,
    latencyMs: null,
    attempts: 0,
    failures: [],
  };
  for (let attempt = 1; attempt <= config.retries.attempts; attempt++) {
    result.attempts = attempt;
    Object.assign(result, await attemptCheck(ctx, check, headers, body));
    result.failures = result.failures.map((f) => redact(f, ctx.secrets));
    result.passed = result.failures.length === 0;
    if (result.passed || ctx.deadline.aborted) break;
    const wait = config.retries.backoff * 2 ** (attempt - 1);
    if (attempt < config.retries.attempts && clock.now() + wait < ctx.deadlineAt) {
      ctx.reporter.debug(`${name}: ${result.failures.join("; ")}; trying again in ${wait} ms`);
      await clock.sleep(wait);
    } else if (attempt < config.retries.attempts) {
      result.failures.push("no time left before the deadline to try again");
      break;
    }
  }
  return result;
}

/** One request of a check and what its answer fails, or why no answer came. */
async function attemptCheck(
  ctx: RunContext,
  check: SmokeCheck,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Pick<CheckResult, "status" | "latencyMs" | "failures">> {
  const { config } = ctx;
  const follow = check.followRedirects ?? config.defaults.followRedirects ?? false;
  const t0 = performance.now();
  try {
    const response = await request(`${ctx.base}${check.path}`, {
      method: check.method,
      headers,
      body,
      dispatcher: ctx.agent,
      maxRedirections: follow ? MAX_REDIRECTS : 0,
      signal: AbortSignal.any([ctx.deadline, AbortSignal.timeout(config.timeout)]),
    });
    const text = await readLimited(response.body);
    const latencyMs = performance.now() - t0;
    const failures = evaluate(
      check,
      { status: response.statusCode, headers: response.headers, body: text, latencyMs },
      check.maxLatency ?? config.defaults.maxLatency,
    );
    // undici hands back the last 3xx once it stops following: that is a loop or a chain too long.
    if (follow && response.statusCode >= 300 && response.statusCode < 400 && response.headers.location) {
      failures.push(`still redirecting after ${MAX_REDIRECTS} redirects (to ${response.headers.location})`);
    }
    return { status: response.statusCode, latencyMs, failures };
  } catch (err) {
    return {
      status: null,
      latencyMs: null,
      failures: [describeError(err, config.timeout, ctx.deadline.aborted)],
    };
  }
}

/** The load phase on a pool of its own, stopped by the run's deadline. */
async function loadPhase(
  ctx: RunContext,
  load: NonNullable<SmokeConfig["load"]>,
  headers: Record<string, string>,
) {
  const pool = loadPool(new URL(ctx.base).origin, load.concurrency, ctx.config.timeout);
  try {
    return await runLoad(ctx.base, load, { pool, headers, signal: ctx.deadline });
  } finally {
    await pool.close();
  }
}

/** The report of a load phase that did not run because a check failed. */
function skippedLoad(load: NonNullable<SmokeConfig["load"]>): LoadResult {
  return {
    requests: load.requests,
    completed: 0,
    concurrency: load.concurrency,
    errors: 0,
    errorRate: 0,
    requestsPerSecond: 0,
    durationMs: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 },
    thresholds: [],
    passed: false,
    note: "not run: a check failed",
  };
}
