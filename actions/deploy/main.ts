import * as core from "@actions/core";
import { deployInputsSchema, parseDeployConfig } from "../lib/deploy/config.ts";
import { emptyProgress } from "../lib/deploy/deploy.ts";
import type { DeployPlan } from "../lib/deploy/gitflow.ts";
import { deploySummaryRows, planFor, runDeploy, runReconcile } from "../lib/deploy/run.ts";
import { CheckFailedError, errorMessage, exitCodeFor } from "../lib/errors.ts";
import type { Reporter } from "../lib/reporter.ts";
import type { SmokeReport } from "../lib/smoke/report.ts";
import { smokeTableRows } from "../lib/smoke/report.ts";
import { referencedSecrets } from "../lib/smoke/secrets.ts";
import { context } from "../shared/runner-context.ts";
import { announcePlan, runnerEvent } from "../shared/runner-event.ts";
import { mask, type Rows, writeSummary } from "../shared/summary.ts";

const reporter: Reporter = { info: core.info, warn: core.warning, debug: core.debug };

function readInputs(): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(deployInputsSchema.shape)) raw[name] = core.getInput(name);
  // The runner gives these through the context, not as inputs.
  raw.repository ||= `${context.repo.owner}/${context.repo.repo}`;
  raw.sha ||= context.sha;
  // get-gke-credentials and kubectl name the kubeconfig through KUBECONFIG.
  raw.kubeconfig ||= process.env.KUBECONFIG ?? "";
  raw["log-url"] ||= context.runId
    ? `${context.serverUrl}/${raw.repository}/actions/runs/${context.runId}`
    : "";
  return raw;
}

async function summarize(plan: DeployPlan, rows: Rows, smoke: SmokeReport | null): Promise<void> {
  const sections: { title?: string; rows: Rows }[] = [{ rows: [["", ""], ...rows] }];
  if (smoke) sections.push({ title: `Checks on ${smoke.url}`, rows: smokeTableRows(smoke) });
  await writeSummary(`garde deploy → ${plan.environment}`, sections);
}

export async function run(): Promise<void> {
  let plan: DeployPlan | undefined;
  const progress = emptyProgress();
  try {
    const raw = readInputs();
    // Mask before anything can print them, valid or not.
    mask([raw["vercel-token"], raw["github-token"]]);
    const config = parseDeployConfig(raw);
    mask(referencedSecrets(config.smoke, process.env));
    if (config.reconcile) {
      const repaired = await runReconcile(config, { reporter });
      core.setOutput("deployment-id", repaired.live ?? "");
      core.info(
        `production serves ${repaired.live ?? "nothing"}: ${repaired.repaired ? "record repaired" : "nothing to repair"} (${repaired.detail})`,
      );
      return;
    }
    plan = planFor(runnerEvent(), config);
    // Known before the build: a failed run still says where it was going.
    announcePlan(plan);
    const result = await runDeploy(config, plan, { reporter, env: process.env, progress });
    core.setOutput("url", result.url);
    core.setOutput("deployment-id", result.deploymentId);
    core.setOutput("previous-deployment-id", result.previousDeploymentId ?? "");
    core.setOutput("environment-url", result.environmentUrl);
    core.setOutput("back-merge-into", plan.backMergeInto ?? "");
    await summarize(plan, deploySummaryRows(plan, result, null), result.smoke);
  } catch (err) {
    const message = errorMessage(err);
    core.setFailed(message);
    process.exitCode = exitCodeFor(err);
    const smoke = err instanceof CheckFailedError ? (err.evidence as SmokeReport | undefined) : undefined;
    // The build that failed is what the next step links to (logs, a manual promote after a fix).
    if (progress.deploymentId) core.setOutput("deployment-id", progress.deploymentId);
    if (progress.url) core.setOutput("url", progress.url);
    if (plan)
      await summarize(plan, deploySummaryRows(plan, null, message, progress), smoke ?? null).catch(
        () => undefined,
      );
  }
}
