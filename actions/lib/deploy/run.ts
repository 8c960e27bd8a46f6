import { InputError } from "../errors.ts";
import { type Clock, type Reporter, systemClock } from "../reporter.ts";
import { defaultRetryPolicy, type RetryPolicy } from "../retry.ts";
import { smokeGate } from "../smoke/gate.ts";
import type { EnvLookup } from "../smoke/secrets.ts";
import { connectPlatform } from "../targets/connect.ts";
import type { DeployConfig } from "./config.ts";
import { type DeployProgress, type DeployResult, deploy } from "./deploy.ts";
import { type DeployPlan, describeRules, type RouteInput, route } from "./gitflow.ts";
import { type ReconcileResult, reconcileProduction } from "./reconcile.ts";

export interface DeployRunOptions {
  reporter: Reporter;
  clock?: Clock;
  retry?: RetryPolicy;
  /** Where the smoke config's ${NAME} header references are looked up. */
  env: EnvLookup;
  /** Filled in as the deploy goes; read it when the deploy throws. */
  progress?: DeployProgress;
}

/** Routes the event, refusing when it disagrees with an environment the caller pinned. */
export function planFor(
  event: Omit<RouteInput, "branches">,
  config: Pick<DeployConfig, "branches" | "expectedEnvironment">,
) {
  const plan = route({ ...event, branches: config.branches });
  if (config.expectedEnvironment && config.expectedEnvironment !== plan.environment) {
    throw new InputError(
      "environment",
      `The input environment is ${config.expectedEnvironment}, but ${plan.rule} deploys to ${plan.environment}.\n` +
        `Leave environment out, or run on a ref that routes there:\n${describeRules(config.branches)
          .map((r) => `  - ${r}`)
          .join("\n")}`,
    );
  }
  return plan;
}

/** Wires the production adapters from a validated config and runs one deploy. */
export async function runDeploy(
  config: DeployConfig,
  plan: DeployPlan,
  opts: DeployRunOptions,
): Promise<DeployResult> {
  const clock = opts.clock ?? systemClock;
  const retry = opts.retry ?? defaultRetryPolicy;
  const { target, github } = connectPlatform(config, {
    clock,
    reporter: opts.reporter,
    retry,
    // A rollout is the Kubernetes build: it gets the time a build gets.
    rolloutTimeoutMs: config.readyTimeoutMs,
    actor: opts.env.GITHUB_ACTOR,
  });
  return deploy(
    {
      plan,
      sha: config.sha,
      stagingAlias: config.stagingAlias,
      productionUrl: config.productionUrl,
      readyTimeoutMs: config.readyTimeoutMs,
      pollIntervalMs: config.pollIntervalMs,
      logUrl: config.logUrl,
    },
    {
      target,
      github,
      gate: smokeGate(config.smoke, { clock, reporter: opts.reporter, env: opts.env }),
      clock,
      reporter: opts.reporter,
      ...(opts.progress ? { progress: opts.progress } : {}),
    },
  );
}

/** Repairs production's GitHub record to match what it serves (`garde deploy --reconcile`); builds nothing. */
export async function runReconcile(
  config: DeployConfig,
  opts: Pick<DeployRunOptions, "reporter" | "clock" | "retry">,
): Promise<ReconcileResult> {
  const { target, github } = connectPlatform(config, {
    clock: opts.clock ?? systemClock,
    reporter: opts.reporter,
    retry: opts.retry ?? defaultRetryPolicy,
  });
  return reconcileProduction({
    target,
    github,
    reporter: opts.reporter,
    productionUrl: config.productionUrl,
    logUrl: config.logUrl,
  });
}

/** Rows for the job summary: the plan, then the outcome. Values are plain text for the door to escape. */
export function deploySummaryRows(
  plan: DeployPlan,
  result: DeployResult | null,
  failure: string | null,
  progress?: DeployProgress,
): string[][] {
  const rows: string[][] = [
    ["Rule", plan.rule],
    ["Environment", plan.environment + (plan.staged ? " (staged, promoted after checks)" : "")],
    ["Branch", plan.branch],
  ];
  if (plan.version) rows.push(["Version", plan.version]);
  if (plan.reason) rows.push(["Reason", plan.reason]);
  if (plan.backMergeInto) rows.push(["Back-merge into", plan.backMergeInto]);
  if (result) {
    rows.push(["Deployment", result.deploymentId], ["URL", result.url]);
    if (result.environmentUrl !== result.url) rows.push(["Environment URL", result.environmentUrl]);
    if (result.previousDeploymentId) rows.push(["Previous deployment", result.previousDeploymentId]);
    if (result.gateSummary) rows.push(["Checks", result.gateSummary]);
    if (result.backMergeUrl) rows.push(["Back-merge pull request", result.backMergeUrl]);
    const t = result.timings;
    rows.push([
      "Timings",
      `build ${(t.buildMs / 1000).toFixed(1)} s · total ${(t.totalMs / 1000).toFixed(1)} s`,
    ]);
    if (result.recordPending)
      rows.push(["GitHub record", `pending: ${result.recordPending} (garde deploy --reconcile repairs it)`]);
    rows.push([
      "Outcome",
      result.recordPending
        ? "deployed, record pending"
        : result.superseded
          ? `superseded: production already serves ${result.superseded}, which contains this commit; not promoted`
          : result.promoted
            ? "promoted to production"
            : "ready",
    ]);
  }
  // A failed deploy still names the build it made, for its logs.
  if (!result && progress?.deploymentId)
    rows.push(["Deployment", progress.deploymentId], ["URL", progress.url ?? ""]);
  if (failure) rows.push(["Outcome", `failed: ${failure}`]);
  return rows;
}
