import { describe, expect, it } from "vitest";
import type { Clock } from "../../../../actions/lib/reporter.ts";
import { parseRollbackConfig } from "../../../../actions/lib/rollback/config.ts";
import { DEFAULT_WATCH_POLICY, watchRelease } from "../../../../actions/lib/rollback/watch.ts";
import { DEFAULT_SMOKE_CONFIG } from "../../../../actions/lib/smoke/config.ts";
import type { SmokeReport } from "../../../../actions/lib/smoke/report.ts";
import { recordingReporter } from "../../../helpers.ts";

const passing = {
  passed: true,
  checks: [{ name: "home", passed: true, failures: [] }],
} as unknown as SmokeReport;

/** A clock that never moves: only the loop's own bound can end the watch. */
const frozenClock = (): Clock => ({ now: () => 1_000_000, sleep: async () => undefined });

function watch(windowMs: number, intervalMs: number, clock: Clock) {
  let rounds = 0;
  const result = watchRelease("https://example.com", {
    smoke: DEFAULT_SMOKE_CONFIG,
    run: async () => {
      rounds++;
      if (rounds > 10_000) throw new Error("the watch did not stop");
      return passing;
    },
    signals: [],
    policy: { ...DEFAULT_WATCH_POLICY, windowMs, intervalMs },
    clock,
    reporter: recordingReporter(),
    env: {},
  });
  return result.then((verdict) => ({ verdict, rounds }));
}

describe("the watch loop", () => {
  it("runs one round per interval through the window, even when the clock does not move", async () => {
    const { verdict, rounds } = await watch(2_000, 1_000, frozenClock());
    expect(verdict.healthy).toBe(true);
    expect(rounds).toBe(3);
  });

  it("refuses an interval of zero instead of spinning", async () => {
    await expect(watch(2_000, 0, frozenClock())).rejects.toThrow(/interval must be > 0/);
  });
});

const failing = {
  passed: false,
  checks: [{ name: "home", passed: false, failures: ["status 500, expected 200"] }],
} as unknown as SmokeReport;

/** Watches through rounds that pass (true) or fail (false) in the given order. */
async function watchSequence(results: boolean[], policy: { consecutiveFailures: number; errorRate: number }) {
  let round = 0;
  return watchRelease("https://example.com", {
    smoke: DEFAULT_SMOKE_CONFIG,
    run: async () => ((results[round++] ?? true) ? passing : failing),
    signals: [],
    policy: { windowMs: (results.length - 1) * 1_000, intervalMs: 1_000, ...policy },
    clock: frozenClock(),
    reporter: recordingReporter(),
    env: {},
  });
}

describe("the failure rule follows its words", () => {
  // "N failed rounds in a row roll back": N does, N - 1 does not.
  it("rolls back at exactly N consecutive failures", async () => {
    const verdict = await watchSequence([true, false, false, false, true], {
      consecutiveFailures: 3,
      errorRate: 1,
    });
    expect(verdict.healthy).toBe(false);
    expect(verdict.reason).toMatch(/^3 consecutive failed checks/);
    expect(verdict.rounds).toHaveLength(4);
  });

  it("does not roll back at N - 1 consecutive failures", async () => {
    const verdict = await watchSequence([false, false, true, false, false, true], {
      consecutiveFailures: 3,
      errorRate: 1,
    });
    expect(verdict.healthy).toBe(true);
  });

  // "a share of failed rounds above the error rate": exactly at the rate is not above it.
  it("does not roll back when the failed share equals the error rate", async () => {
    const verdict = await watchSequence([true, false, true, false], {
      consecutiveFailures: 3,
      errorRate: 0.5,
    });
    expect(verdict.healthy).toBe(true);
    expect(verdict.rounds.filter((r) => !r.passed)).toHaveLength(2);
  });

  it("rolls back as soon as the failed share is above the error rate", async () => {
    const verdict = await watchSequence([false, true, false, true, false], {
      consecutiveFailures: 3,
      errorRate: 0.5,
    });
    expect(verdict.healthy).toBe(false);
    expect(verdict.reason).toMatch(/^2 of 3 rounds failed \(over 50 %\)/);
  });

  it("judges the share only once N rounds have run", async () => {
    // 1 of 1 and 1 of 2 are over 40 %, but fewer than 3 rounds prove nothing yet.
    const verdict = await watchSequence([false, true, true, true], {
      consecutiveFailures: 3,
      errorRate: 0.4,
    });
    expect(verdict.healthy).toBe(true);
  });
});

describe("watch inputs have sane ranges (exit 2 outside them)", () => {
  const base = {
    "vercel-token": "t",
    "vercel-project": "web",
    "github-token": "g",
    repository: "acme/web",
  };
  it.each([
    [{ "watch-interval": "0s", "watch-window": "2s" }, /watch-interval: must be between 1s and 10m/],
    [
      { "watch-interval": "5m", "watch-window": "1m" },
      /watch-interval: must not be longer than watch-window/,
    ],
    [{ "watch-window": "7h" }, /watch-window: must be between 1s and 6h/],
    [{ "consecutive-failures": "1000" }, /consecutive-failures: must be at most 20/],
    [{ to: "nonsense" }, /to: must be previous or a Vercel deployment id/],
  ])("%j", (extra, message) => {
    expect(() => parseRollbackConfig({ ...base, ...extra })).toThrow(message);
  });

  it("accepts the seeds' 10 minutes at 30 s and an hour-long window", () => {
    expect(
      parseRollbackConfig({ ...base, "watch-window": "1h", "watch-interval": "30s" }).policy,
    ).toMatchObject({
      windowMs: 3_600_000,
      intervalMs: 30_000,
    });
  });
});
