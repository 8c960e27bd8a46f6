import * as core from "@actions/core";
import { context } from "@actions/github";
import { type DeployConfig, deployInputsSchema, parseDeployConfig } from "../lib/deploy-config.ts";
import { deploySummaryRows, planFor, runDeploy } from "../lib/deploy-run.ts";
import { errorMessage, exitCodeFor } from "../lib/errors.ts";
import type { DeployPlan } from "../lib/gitflow.ts";
import type { Reporter } from "../lib/reporter.ts";

const reporter: Reporter = { info: core.info, warn: core.warning, debug: core.debug };

function readInputs(): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(deployInputsSchema.shape)) raw[name] = core.getInput(name);
  // The runner gives these through the context, not as inputs.
  raw.repository ||= `${context.repo.owner}/${context.repo.repo}`;
  raw.sha ||= context.sha;
  raw["log-url"] ||= context.runId
    ? `${context.serverUrl}/${raw.repository}/actions/runs/${context.runId}`
    : "";
  return raw;
}

async function writeSummary(plan: DeployPlan, rows: string[][]): Promise<void> {
  await core.summary
    .addHeading(`garde deploy → ${plan.environment}`, 2)
    .addTable([
      [
        { data: "", header: true },
        { data: "", header: true },
      ],
      ...rows.map(([k, v]) => [escapeHtml(k ?? ""), escapeHtml(v ?? "")]),
    ])
    .write();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function run(): Promise<void> {
  let plan: DeployPlan | undefined;
  let config: DeployConfig | undefined;
  try {
    const raw = readInputs();
    // Mask before anything can print them, valid or not.
    for (const secret of [raw["vercel-token"], raw["github-token"]]) if (secret) core.setSecret(secret);
    config = parseDeployConfig(raw);
    plan = planFor(
      {
        event: context.eventName,
        ref: context.ref,
        headRef: process.env.GITHUB_HEAD_REF,
        inputs: (context.payload.inputs ?? {}) as Record<string, string>,
      },
      config,
    );
    core.info(`${plan.rule} → ${plan.environment}${plan.version ? ` ${plan.version}` : ""}`);
    const result = await runDeploy(config, plan, { reporter });
    core.setOutput("url", result.url);
    core.setOutput("deployment-id", result.deploymentId);
    core.setOutput("environment", result.environment);
    core.setOutput("previous-deployment-id", result.previousDeploymentId ?? "");
    core.setOutput("environment-url", result.environmentUrl);
    core.setOutput("version", plan.version ?? "");
    core.setOutput("back-merge-into", plan.backMergeInto ?? "");
    await writeSummary(plan, deploySummaryRows(plan, result, null));
  } catch (err) {
    const message = errorMessage(err);
    core.setFailed(message);
    process.exitCode = exitCodeFor(err);
    if (plan) await writeSummary(plan, deploySummaryRows(plan, null, message)).catch(() => undefined);
  }
}
