/**
 * Auto-rollback on the sandbox: (1) time from a bad release going live to the known-good serving
 * production again, median of 5, at a 1 s check interval and 3 consecutive failures (goal ≤ 10 s),
 * on Vercel and on Kubernetes side by side (same rule, same interval, same app);
 * (2) false rollbacks over 20 healthy releases, each with one transient failure (goal 0).
 */
import { type Clock, silentReporter, systemClock } from "../actions/lib/reporter.ts";
import { parseRollbackConfig } from "../actions/lib/rollback/config.ts";
import { runRollback } from "../actions/lib/rollback/run.ts";
import { type LocalCluster, startLocalCluster } from "../sandbox/kubernetes/local-cluster.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { shipToProduction } from "../sandbox/ship.ts";

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

/** Where a release goes: the platform inputs for deploy and for the guard. */
interface BenchPlatform {
  name: string;
  inputs(sandbox: Sandbox, extra: Record<string, string>): Record<string, string>;
}

const VERCEL: BenchPlatform = { name: "Vercel", inputs: (sandbox, extra) => sandbox.inputs(extra) };

const kubernetes = (cluster: LocalCluster): BenchPlatform => ({
  name: "Kubernetes",
  inputs: (sandbox, extra) => ({ ...sandbox.inputs(), ...cluster.inputs(), ...extra }),
});

async function release(
  sandbox: Sandbox,
  platform: BenchPlatform,
  n: number,
  files: Record<string, string> = {},
): Promise<string> {
  const sha = sandbox.app.commit(
    "main",
    { "public/version.txt": String(n), "routes.json": "{}", ...files },
    `release ${n}`,
    "main",
  );
  const inputs = platform.inputs(sandbox, { sha, "smoke-config-inline": "checks: [{ path: / }]" });
  return (await shipToProduction(inputs, { reporter: silentReporter, env: {} })).deploymentId;
}

function guard(
  sandbox: Sandbox,
  platform: BenchPlatform,
  window: string,
  interval: string,
  clock: Clock = systemClock,
) {
  const {
    "poll-interval": _poll,
    sha: _sha,
    ...inputs
  } = platform.inputs(sandbox, {
    "smoke-config-inline": SMOKE,
    "watch-window": window,
    "watch-interval": interval,
    "consecutive-failures": "3",
    "github-issue": "false",
  });
  return runRollback(parseRollbackConfig(inputs), { reporter: silentReporter, env: {}, clock });
}

/** Bad release live → detected, and → known-good serving again, over `runs` releases. */
async function mttr(sandbox: Sandbox, platform: BenchPlatform, runs: number) {
  // Version numbers unique across both platforms' releases: each commit changes version.txt.
  let n = Date.now();
  await release(sandbox, platform, n++);
  await guard(sandbox, platform, "1s", "1s");
  const restore: number[] = [];
  const detect: number[] = [];
  for (let i = 0; i < runs; i++) {
    const bad = await release(sandbox, platform, n++, {
      "routes.json": '{"/api/status":{"status":500,"productionOnly":true}}',
    });
    // runDeploy returned: production serves the bad release now
    const live = performance.now();
    const pending = guard(sandbox, platform, "60s", "1s");
    // The outcome's times count from the guard's start, which is now (its config is parsed synchronously).
    const offset = performance.now() - live;
    const outcome = await pending;
    if (outcome.outcome !== "rolled-back" || outcome.from !== bad)
      throw new Error(`${platform.name} run ${i}: expected a rollback, got ${outcome.outcome}`);
    detect.push(offset + (outcome.watch?.detectedAfterMs ?? Number.NaN));
    restore.push(offset + (outcome.restoredAfterMs ?? Number.NaN));
    // a fresh known-good for the next run
    await release(sandbox, platform, n++);
    await guard(sandbox, platform, "1s", "1s");
  }
  return { detect, restore };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const spread = (v: number[]) =>
  `${seconds(median(v))} (${seconds(Math.min(...v))}–${seconds(Math.max(...v))})`;

export async function benchRollback(): Promise<void> {
  const sandbox = await startSandbox({ buildMs: 30, promoteMs: 20 });
  // The cluster's pods serve the sandbox's repository: one app, two platforms.
  const cluster = await startLocalCluster("garde-bench-k8s-", { app: sandbox.app });
  try {
    const runs = 5;
    const vercel = await mttr(sandbox, VERCEL, runs);
    const k8s = await mttr(sandbox, kubernetes(cluster), runs);
    console.log("check interval 1 s; rule: 3 consecutive failed rounds, or > 50 % of rounds once 3 ran");
    const row = (label: string, vercelCell: string, k8sCell: string, note = "") =>
      console.log(`${label.padEnd(46)}${vercelCell.padEnd(25)}${k8sCell}${note}`);
    row(`median (min–max) over ${runs} bad releases each`, "Vercel", "Kubernetes");
    row("bad release live → detected", spread(vercel.detect), spread(k8s.detect));
    row(
      "bad release live → known-good serving again",
      spread(vercel.restore),
      spread(k8s.restore),
      "   (goal ≤ 10 s)",
    );
    console.log(
      `Kubernetes / Vercel, time to known-good: ${(median(k8s.restore) / median(vercel.restore)).toFixed(2)}× (the rollout of 2 replicas against an alias switch)`,
    );

    let n = Date.now();
    let falseRollbacks = 0;
    const healthy = 20;
    for (let i = 0; i < healthy; i++) {
      const id = await release(sandbox, VERCEL, n++);
      // one transient failure somewhere in the first rounds
      sandbox.vercel.injectAppSequence(id, "/api/status", [...Array(i % 5).fill(0), 503]);
      const outcome = await guard(sandbox, VERCEL, "10s", "1s", instantClock());
      if (outcome.outcome === "rolled-back") falseRollbacks++;
    }
    console.log(
      `false rollbacks: ${falseRollbacks} of ${healthy} healthy releases, each with one transient 503 (goal 0)`,
    );
  } finally {
    await cluster.stop();
    await sandbox.stop();
  }
}
