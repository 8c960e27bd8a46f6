import { errorMessage } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import type { AlertSignal } from "../signals/signal.ts";
import type { SmokeConfig } from "../smoke/config.ts";
import type { runSmoke } from "../smoke/runner.ts";
import type { EnvLookup } from "../smoke/secrets.ts";

export interface WatchPolicy {
  /** How long a release must stay healthy to become known-good. */
  windowMs: number;
  /** Time between rounds of checks. */
  intervalMs: number;
  /** This many failed rounds in a row roll back. */
  consecutiveFailures: number;
  /** Or: once that many rounds have run, a share of failed rounds above this. */
  errorRate: number;
}

/**
 * The ranges a watch accepts. The floor keeps a watch from spinning against production (one
 * round of checks a second at most); the ceiling makes every watch end.
 */
export const WATCH_LIMITS = {
  interval: { min: 1_000, max: 600_000 },
  window: { min: 1_000, max: 6 * 3_600_000 },
  consecutiveFailures: { max: 20 },
} as const;

/** Seed default: Cesizen's "monitoring renforcé" after a release, checks every 30 s for 10 minutes. */
export const DEFAULT_WATCH_POLICY: WatchPolicy = {
  windowMs: 600_000,
  intervalMs: 30_000,
  consecutiveFailures: 3,
  errorRate: 0.5,
};

export interface WatchRound {
  /** Milliseconds since the watch began. */
  atMs: number;
  passed: boolean;
  detail: string;
}

export interface WatchVerdict {
  healthy: boolean;
  /** Why it is not, in a line fit for a page. */
  reason: string | null;
  rounds: WatchRound[];
  /** Milliseconds from the watch's start to the decision to roll back. */
  detectedAfterMs: number | null;
  durationMs: number;
}

export interface WatchDeps {
  smoke: SmokeConfig;
  run: typeof runSmoke;
  signals: readonly AlertSignal[];
  policy: WatchPolicy;
  clock: Clock;
  reporter: Reporter;
  env: EnvLookup;
}

/**
 * Re-runs the smoke checks every interval through the window, and polls the alert signals.
 * One failed round is a blip; N in a row, or a failed share over the error rate once N rounds
 * have run, is a failed release. A firing alert that opened after the watch began fails it at
 * once: alert policies already wait out their own blips.
 */
export async function watchRelease(url: string, deps: WatchDeps): Promise<WatchVerdict> {
  const { policy, clock, reporter } = deps;
  const started = clock.now();
  const since = new Date(started);
  // One attempt per round and no load phase: the failure rule, not retries, absorbs blips.
  const roundConfig: SmokeConfig = {
    ...deps.smoke,
    load: undefined,
    retries: { attempts: 1, backoff: 0 },
    deadline: Math.max(1_000, Math.min(deps.smoke.deadline, policy.intervalMs * 3)),
  };
  const rounds: WatchRound[] = [];
  let consecutive = 0;
  const verdict = (healthy: boolean, reason: string | null): WatchVerdict => ({
    healthy,
    reason,
    rounds,
    detectedAfterMs: healthy ? null : clock.now() - started,
    durationMs: clock.now() - started,
  });

  if (!(policy.intervalMs > 0) || !(policy.windowMs >= 0)) {
    throw new RangeError(
      `watch interval must be > 0 and window ≥ 0 (got ${policy.intervalMs}, ${policy.windowMs})`,
    );
  }
  // Rounds at 0, interval, 2 × interval, … up to the window: the loop's bound, whatever the clock does.
  const maxRounds = Math.floor(policy.windowMs / policy.intervalMs) + 1;
  for (let round = 0; round < maxRounds; round++) {
    const atMs = clock.now() - started;
    const report = await deps.run(url, roundConfig, { clock, reporter, env: deps.env });
    const failed = report.checks.filter((c) => !c.passed);
    const detail = failed.length
      ? failed.map((c) => `${c.name}: ${c.failures.join("; ")}`).join(" | ")
      : `${report.checks.length} checks passed`;
    rounds.push({ atMs, passed: failed.length === 0, detail });
    consecutive = failed.length ? consecutive + 1 : 0;
    reporter.info(`watch ${(atMs / 1000).toFixed(1)} s: ${failed.length ? `✗ ${detail}` : `✓ ${detail}`}`);

    for (const signal of deps.signals) {
      try {
        const alerts = await signal.firing(since);
        if (alerts.length) return verdict(false, `${signal.name} alert firing: ${alerts.join(", ")}`);
      } catch (err) {
        // An unreachable alert source is not evidence against the release.
        reporter.warn(`${signal.name} could not be read: ${errorMessage(err)}`);
      }
    }
    if (consecutive >= policy.consecutiveFailures) {
      return verdict(false, `${consecutive} consecutive failed checks: ${detail}`);
    }
    const failedRounds = rounds.filter((r) => !r.passed).length;
    if (rounds.length >= policy.consecutiveFailures && failedRounds / rounds.length > policy.errorRate) {
      return verdict(
        false,
        `${failedRounds} of ${rounds.length} rounds failed (over ${Math.round(policy.errorRate * 100)} %): ${detail}`,
      );
    }
    // The last round is the one the window has room for, or the first that ends past the window.
    if (round + 1 === maxRounds || clock.now() - started >= policy.windowMs) break;
    await clock.sleep(Math.max(0, started + (round + 1) * policy.intervalMs - clock.now()));
  }
  return verdict(true, null);
}
