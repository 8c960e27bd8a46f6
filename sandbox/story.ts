/**
 * `npm start`: the GitFlow story on the embedded sandbox. A feature PR gets a preview, a merge
 * to develop reaches staging, a release reaches production, each through the same core the
 * deploy action runs, against emulators of Vercel and GitHub, with a sample app served for real.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDeployConfig } from "../actions/lib/deploy/config.ts";
import type { RouteInput } from "../actions/lib/deploy/gitflow.ts";
import { planFor, runDeploy } from "../actions/lib/deploy/run.ts";
import { CheckFailedError, errorMessage } from "../actions/lib/errors.ts";
import type { Reporter } from "../actions/lib/reporter.ts";
import { parseRollbackConfig } from "../actions/lib/rollback/config.ts";
import type { RollbackOutcome } from "../actions/lib/rollback/rollback.ts";
import { runRollback } from "../actions/lib/rollback/run.ts";
import { formatTable, type SmokeReport, smokeTableRows } from "../actions/lib/smoke/report.ts";
import { planStacks } from "../infra/plan.ts";
import { readStackFile } from "../infra/stack-file.ts";
import { backupStory } from "./backup-story.ts";
import { kubernetesStory } from "./kubernetes-story.ts";
import { reviewStory } from "./review-story.ts";
import { rotationStory } from "./rotation-story.ts";
import { type Sandbox, startSandbox } from "./sandbox.ts";

const STAGING_ALIAS = "staging.sample-app.garde.test";
const SMOKE_CONFIG = join(import.meta.dirname, "smoke.yml");
const ROOT = join(import.meta.dirname, "..");
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

const reporter: Reporter = {
  info: (m) => console.log(`    · ${m}`),
  warn: (m) => console.log(`    ! ${m}`),
  debug: () => {},
};

async function step(sandbox: Sandbox, title: string, sha: string, event: Omit<RouteInput, "branches">) {
  if (title) console.log(`\n${bold(title)}`);
  const config = parseDeployConfig(
    sandbox.inputs({ sha, "staging-alias": STAGING_ALIAS, "smoke-config": SMOKE_CONFIG }),
  );
  const plan = planFor(event, config);
  console.log(
    `    ${plan.rule} → ${plan.environment}${plan.version ? ` ${plan.version}` : ""}${plan.staged ? " (staged)" : ""}`,
  );
  const result = await runDeploy(config, plan, { reporter, env: {} });
  const page = await fetch(result.url);
  const body = (await page.text()).replace(/\s+/g, " ").trim().slice(0, 60);
  console.log(
    `    ✓ ${result.environment} ${result.deploymentId} at ${result.url} in ${(result.timings.totalMs / 1000).toFixed(2)} s`,
  );
  console.log(`      GET ${result.url} → ${page.status} "${body}"`);
  if (result.smoke) {
    console.log(`      smoke test of ${result.url}:`);
    console.log(formatTable(smokeTableRows(result.smoke)).replace(/^/gm, "        "));
  }
  if (result.previousDeploymentId) console.log(`      replaces ${result.previousDeploymentId}`);
  return result;
}

function printLedger(sandbox: Sandbox) {
  console.log(`\n${bold("GitHub deployments recorded")}`);
  for (const d of sandbox.github.deployments) {
    const last = sandbox.github.statuses.get(d.id)?.at(-1);
    console.log(
      `    #${d.id} ${d.environment.padEnd(10)} ${(last?.state ?? "").padEnd(9)} ${last?.environment_url || last?.description || ""}`,
    );
  }
  const live = [...sandbox.vercel.projects.values()][0]?.productionDeploymentId;
  console.log(
    `    production serves ${live}; ${STAGING_ALIAS} serves ${sandbox.vercel.aliasTarget(STAGING_ALIAS)}`,
  );
}

/** Runs the rollback core in auto mode on whatever production serves, as the rollback action does after a deploy. */
async function guardLive(
  sandbox: Sandbox,
  watch: { window: string; interval: string },
): Promise<RollbackOutcome> {
  const config = parseRollbackConfig(
    sandbox.platformInputs({
      "smoke-config": SMOKE_CONFIG,
      "watch-window": watch.window,
      "watch-interval": watch.interval,
      "slack-webhook-url": sandbox.slack.webhookUrl,
      "gcp-monitoring-project": "garde-sandbox",
      "gcp-monitoring-api-url": sandbox.monitoring.url,
    }),
  );
  return runRollback(config, { reporter, env: {} });
}

/** The story, act by act: the runbook a team would follow, played on the emulators. */
async function main(): Promise<number> {
  const started = performance.now();
  const sandbox = await startSandbox({ buildMs: 400, promoteMs: 150 });
  console.log(bold("garde sandbox: GitFlow deploys to an emulated Vercel, recorded in an emulated GitHub"));
  console.log(
    `    Vercel API ${sandbox.vercel.url} · GitHub API ${sandbox.github.url} · app repo ${sandbox.app.dir}`,
  );
  try {
    await planTheEnvironments();
    await shipThroughGitFlow(sandbox);
    await holdAFailingBuild(sandbox);
    await watchAndRollBack(sandbox);
    await dayTwo(sandbox);
    printLedger(sandbox);
    console.log(
      `\n${bold(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`)} Everything started here is stopped and removed.`,
    );
    return 0;
  } catch (err) {
    console.error(`\nThe story failed: ${errorMessage(err)}`);
    return 1;
  } finally {
    await sandbox.stop();
  }
}

/** Act 0: the three stacks, evaluated offline. */
async function planTheEnvironments(): Promise<void> {
  console.log(
    `\n${bold("0. garde plan: the environments as code, evaluated offline (no cloud credentials)")}`,
  );
  const plans = await planStacks(
    ["dev", "staging", "prod"].map((s) => readStackFile(join(ROOT, `Pulumi.${s}.yaml`), s)),
  );
  for (const p of plans) {
    const p1 = p.alerts.filter((a) => a.severity === "P1");
    console.log(
      `    ${p.stack.padEnd(8)} ${String(p.resources.length).padStart(3)} resources · ${p.alerts.length} alerts (P1 → ${[...new Set(p1.flatMap((a) => a.routes))].join(", ") || "none"}) · ${p.schedules.length} schedules · ${p.secrets.length} rotated secrets`,
    );
  }
}

/** Acts 1-4: a feature PR, develop, a release branch, main. */
async function shipThroughGitFlow(sandbox: Sandbox): Promise<void> {
  const { app } = sandbox;
  const featureSha = app.commit(
    "feature/signup",
    { "public/signup.html": "<!doctype html><title>Sign up</title><h1>Sign up</h1>\n" },
    "Add a sign-up page",
  );
  await step(sandbox, "1. A feature PR gets a preview", featureSha, {
    event: "pull_request",
    ref: "refs/pull/1/merge",
    headRef: "feature/signup",
  });

  const developSha = app.merge("feature/signup", "develop");
  await step(sandbox, "2. The PR is merged: develop reaches staging", developSha, {
    event: "push",
    ref: "refs/heads/develop",
  });

  const releaseSha = app.commit(
    "release/1.1.0",
    { "public/version.txt": "1.1.0\n" },
    "Release 1.1.0",
    "develop",
  );
  await step(sandbox, "3. release/1.1.0 is cut: staging gets the release candidate", releaseSha, {
    event: "push",
    ref: "refs/heads/release/1.1.0",
  });

  const mainSha = app.merge("release/1.1.0", "main");
  await step(sandbox, "4. The release is merged to main: production is staged, checked, promoted", mainSha, {
    event: "push",
    ref: "refs/heads/main",
  });
}

/** Act 5: a build failing its checks reaches main and is never promoted. */
async function holdAFailingBuild(sandbox: Sandbox): Promise<void> {
  const { app } = sandbox;
  const badSha = app.commit(
    "main",
    { "public/healthz": '{"status":"degraded"}\n' },
    "Switch health to the new DB pool",
    "main",
  );
  console.log(
    `\n${bold("5. A build whose health check fails reaches main: it is checked and never promoted")}`,
  );
  const live = [...sandbox.vercel.projects.values()][0]?.productionDeploymentId;
  try {
    await step(sandbox, "", badSha, { event: "push", ref: "refs/heads/main" });
    throw new Error("the failing build was promoted");
  } catch (err) {
    if (!(err instanceof CheckFailedError)) throw err;
    console.log(`    ✗ ${err.message}`);
    const report = err.evidence as SmokeReport | undefined;
    if (report) console.log(formatTable(smokeTableRows(report)).replace(/^/gm, "        "));
    const still = [...sandbox.vercel.projects.values()][0]?.productionDeploymentId;
    console.log(`    production still serves ${still}${still === live ? " (unchanged)" : " (CHANGED!)"}`);
    if (still !== live) throw new Error("production changed after a failed check");
  }
}

/** The watch makes 1.1.0 known-good; act 6: 1.2.0 fails under production and is rolled back. */
async function watchAndRollBack(sandbox: Sandbox): Promise<void> {
  const { app } = sandbox;
  console.log(
    `\n${bold("   After promotion, 1.1.0 is watched; healthy through the window, it becomes known-good")}`,
  );
  const watched = await guardLive(sandbox, { window: "3s", interval: "1s" });
  console.log(`    ✓ ${watched.outcome}: ${watched.reason}`);

  const v12 = app.commit(
    "main",
    {
      "public/healthz": '{"status":"ok"}\n',
      "public/version.txt": "1.2.0\n",
      // Works in preview; with production's database the status API answers 500.
      "routes.json":
        '{"/api/status":{"status":500,"body":"PrismaClientInitializationError: cannot reach the database","productionOnly":true}}',
    },
    "Release 1.2.0: status API on the new database",
    "main",
  );
  const bad = await step(
    sandbox,
    "6. Release 1.2.0 passes its checks and is promoted, then fails under production: garde rolls it back",
    v12,
    { event: "push", ref: "refs/heads/main" },
  );
  const liveAt = performance.now();
  const guardStart = performance.now();
  const outcome = await guardLive(sandbox, { window: "30s", interval: "1s" });
  const detected = (guardStart - liveAt + (outcome.watch?.detectedAfterMs ?? 0)) / 1000;
  const restored = (guardStart - liveAt + (outcome.restoredAfterMs ?? 0)) / 1000;
  console.log(`    ✓ ${outcome.outcome} from ${bad.deploymentId} to ${outcome.to}`);
  console.log(`      check interval 1 s, rule: 3 consecutive failed rounds (or > 50 % of rounds)`);
  console.log(
    `      detected ${detected.toFixed(1)} s after 1.2.0 went live; known-good serving again ${restored.toFixed(1)} s after`,
  );
  console.log("      notifications sent:");
  for (const m of sandbox.slack.messages) console.log(`        Slack: ${m.text}`);
  for (const i of sandbox.github.issues)
    console.log(
      `        GitHub issue #${i.number}: ${i.title} [${i.labels.map((l) => (typeof l === "string" ? l : l.name)).join(", ")}]`,
    );
}

/** Acts 7-10: keys rotated under load, backups proven, the infra review, the Kubernetes runbook. */
async function dayTwo(sandbox: Sandbox): Promise<void> {
  console.log(
    `\n${bold("7. Keys are rotated under load: the database credential (alternating users) and the API token")}`,
  );
  const rotationDir = mkdtempSync(join(tmpdir(), "garde-rotation-"));
  try {
    await rotationStory(sandbox, reporter, rotationDir);
  } finally {
    rmSync(rotationDir, { recursive: true, force: true });
  }

  console.log(
    `\n${bold("8. The shop's database is backed up (encrypted, into Cloud Storage) and proven to restore")}`,
  );
  await backupStory(reporter);

  console.log(
    `\n${bold("9. A PR raises prod's latency threshold and adds a secret: the infra review, offline, one comment per stack")}`,
  );
  await reviewStory(sandbox, reporter);

  console.log(
    `\n${bold("10. The tenants API on Kubernetes: a deploy, a bad release rolled back, maintenance on and off, the rate limit raised")}`,
  );
  await kubernetesStory(sandbox, reporter);
}

process.exitCode = await main();
