/**
 * Auto-rollback on the sandbox: (1) time from a bad release going live to the known-good serving
 * production again, median of 5, at a 1 s check interval and 3 consecutive failures (goal ≤ 10 s);
 * (2) false rollbacks over 20 healthy releases, each with one transient failure (goal 0).
 */
import { parseDeployConfig } from "../actions/lib/deploy/config.ts";
import { planFor, runDeploy } from "../actions/lib/deploy/run.ts";
import { type Clock, silentReporter, systemClock } from "../actions/lib/reporter.ts";
import { parseRollbackConfig } from "../actions/lib/rollback/config.ts";
import { runRollback } from "../actions/lib/rollback/run.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";

const SMOKE =
  "retries: { attempts: 1 }\nchecks:\n  - { path: / }\n  - { path: /api/status, expect: { status: 200 } }\n";
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

/** Virtual time for the healthy-release loop: every sleep returns at once; HTTP stays real. */
const instantClock = (): Clock => {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: async (ms) => {
      offset += ms;
    },
  };
};

async function release(sandbox: Sandbox, n: number, files: Record<string, string> = {}): Promise<string> {
  const sha = sandbox.app.commit(
    "main",
    { "public/version.txt": String(n), "routes.json": "{}", ...files },
    `release ${n}`,
    "main",
  );
  const config = parseDeployConfig(sandbox.inputs({ sha, "smoke-config-inline": "checks: [{ path: / }]" }));
  const plan = planFor({ event: "push", ref: "refs/heads/main" }, config);
  return (await runDeploy(config, plan, { reporter: silentReporter, env: {} })).deploymentId;
}

function guard(sandbox: Sandbox, window: string, interval: string, clock: Clock = systemClock) {
  const config = parseRollbackConfig(
    sandbox.platformInputs({
      "smoke-config-inline": SMOKE,
      "watch-window": window,
      "watch-interval": interval,
      "consecutive-failures": "3",
      "github-issue": "false",
    }),
  );
  return runRollback(config, { reporter: silentReporter, env: {}, clock });
}

export async function benchRollback(): Promise<void> {
  const sandbox = await startSandbox({ buildMs: 30, promoteMs: 20 });
  try {
    let n = 0;
    await release(sandbox, n++);
    await guard(sandbox, "300ms", "100ms");

    const restore: number[] = [];
    const detect: number[] = [];
    for (let i = 0; i < 5; i++) {
      const bad = await release(sandbox, n++, {
        "routes.json": '{"/api/status":{"status":500,"productionOnly":true}}',
      });
      // runDeploy returned: production serves the bad release now
      const live = performance.now();
      const pending = guard(sandbox, "60s", "1s");
      // The outcome's times count from the guard's start, which is now (its config is parsed synchronously).
      const offset = performance.now() - live;
      const outcome = await pending;
      if (outcome.outcome !== "rolled-back" || outcome.from !== bad)
        throw new Error(`run ${i}: expected a rollback, got ${outcome.outcome}`);
      detect.push(offset + (outcome.watch?.detectedAfterMs ?? Number.NaN));
      restore.push(offset + (outcome.restoredAfterMs ?? Number.NaN));
      // a fresh known-good for the next run
      await release(sandbox, n++);
      await guard(sandbox, "300ms", "100ms");
    }
    console.log("check interval 1 s; rule: 3 consecutive failed rounds, or > 50 % of rounds once 3 ran");
    console.log(`bad release live → detected: median ${(median(detect) / 1000).toFixed(2)} s over 5 runs`);
    console.log(
      `bad release live → known-good serving again: median ${(median(restore) / 1000).toFixed(2)} s over 5 runs (goal ≤ 10 s)`,
    );

    let falseRollbacks = 0;
    const healthy = 20;
    for (let i = 0; i < healthy; i++) {
      const id = await release(sandbox, n++);
      // one transient failure somewhere in the first rounds
      sandbox.vercel.injectAppSequence(id, "/api/status", [...Array(i % 5).fill(0), 503]);
      const outcome = await guard(sandbox, "10s", "1s", instantClock());
      if (outcome.outcome === "rolled-back") falseRollbacks++;
    }
    console.log(
      `false rollbacks: ${falseRollbacks} of ${healthy} healthy releases, each with one transient 503 (goal 0)`,
    );
  } finally {
    await sandbox.stop();
  }
}
