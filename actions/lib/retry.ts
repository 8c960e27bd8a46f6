import { PlatformError } from "./errors.ts";
import type { Clock, Reporter } from "./reporter.ts";

/** How a failed attempt should be treated; produced by a platform-specific classifier. */
export interface FailureVerdict {
  retryable: boolean;
  /** HTTP status when there was one. */
  status?: number;
  /** The server's own wait, from Retry-After or a rate-limit reset header. */
  retryAfterMs?: number;
  /** Short, secret-free description of what went wrong ("429 Too Many Requests"). */
  detail: string;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking for a longer wait than this is not retried: the run fails now rather than stall. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

export interface RetryContext {
  policy: RetryPolicy;
  clock: Clock;
  reporter: Reporter;
  /** Returns a number in [0, 1); injected so backoff jitter is reproducible in tests. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random), bounded by maxDelayMs.
 * When the server said how long to wait, that wait is honoured, plus a little jitter so
 * parallel jobs do not come back in the same millisecond.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
) {
  if (retryAfterMs !== undefined) return Math.round(retryAfterMs + random() * policy.baseDelayMs * 0.2);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Parses Retry-After as delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Runs `attempt` until it succeeds, the classifier calls the failure final, or the
 * attempts run out; then throws a PlatformError naming the operation. `attempt` is told its
 * number (1, 2, …): a call that creates something looks for what an earlier attempt may have
 * created before creating again (see createOnce).
 */
export async function withRetry<T>(
  operation: string,
  attempt: (n: number) => Promise<T>,
  classify: (err: unknown) => FailureVerdict,
  ctx: RetryContext,
): Promise<T> {
  const random = ctx.random ?? Math.random;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (err instanceof PlatformError) throw err;
      const verdict = classify(err);
      if (!verdict.retryable || n >= ctx.policy.maxAttempts) {
        throw new PlatformError(operation, verdict.detail, { status: verdict.status, attempts: n });
      }
      if (verdict.retryAfterMs !== undefined && verdict.retryAfterMs > ctx.policy.maxRetryAfterMs) {
        const wait = Math.ceil(verdict.retryAfterMs / 1000);
        throw new PlatformError(
          operation,
          `${verdict.detail}; the server asked to wait ${wait} s, longer than garde waits`,
          {
            status: verdict.status,
            attempts: n,
          },
        );
      }
      const delay = backoffDelay(n, ctx.policy, random, verdict.retryAfterMs);
      ctx.reporter.warn(
        `${operation}: ${verdict.detail}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${n + 1}/${ctx.policy.maxAttempts})`,
      );
      await ctx.clock.sleep(delay);
    }
  }
}
