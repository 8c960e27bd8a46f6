import * as core from "@actions/core";
import { errorMessage, exitCodeFor } from "../lib/errors.ts";
import type { Reporter } from "../lib/reporter.ts";
import { parseRollbackConfig, rollbackInputsSchema } from "../lib/rollback/config.ts";
import { RollbackFailedError, type RollbackOutcome } from "../lib/rollback/rollback.ts";
import { runRollback } from "../lib/rollback/run.ts";
import { failedRelease, rollbackSummaryRows, timelineRows } from "../lib/rollback/summary.ts";
import { referencedSecrets } from "../lib/smoke/secrets.ts";
import { context } from "../shared/runner-context.ts";
import { mask, writeSummary } from "../shared/summary.ts";

const reporter: Reporter = { info: core.info, warn: core.warning, debug: core.debug };

async function summarize(outcome: RollbackOutcome, failure: string | null): Promise<void> {
  await writeSummary(`garde rollback: ${failure ? "FAILED" : outcome.outcome}`, [
    { rows: rollbackSummaryRows(outcome, failure) },
    { title: "Timeline", rows: timelineRows(outcome) },
  ]);
}

export async function run(): Promise<void> {
  try {
    const raw: Record<string, string> = {};
    for (const name of Object.keys(rollbackInputsSchema.shape)) raw[name] = core.getInput(name);
    raw.repository ||= `${context.repo.owner}/${context.repo.repo}`;
    raw.kubeconfig ||= process.env.KUBECONFIG ?? "";
    raw["log-url"] ||= context.runId
      ? `${context.serverUrl}/${raw.repository}/actions/runs/${context.runId}`
      : "";
    // Mask before anything can print them, valid or not.
    mask([raw["vercel-token"], raw["github-token"], raw["slack-webhook-url"], raw["alert-webhook-url"]]);
    const config = parseRollbackConfig(raw);
    mask(referencedSecrets(config.smoke, process.env));
    const outcome = await runRollback(config, { reporter, env: process.env, actor: context.actor });
    core.setOutput("outcome", outcome.outcome);
    core.setOutput("rolled-back", String(outcome.outcome === "rolled-back"));
    core.setOutput("from", outcome.from ?? "");
    core.setOutput("to", outcome.to ?? "");
    core.setOutput("severity", outcome.severity ?? "");
    await summarize(outcome, null);
    if (failedRelease(config.to, outcome)) {
      core.setFailed(
        `Release ${outcome.from} failed its watch and production was rolled back to ${outcome.to}: ${outcome.reason}`,
      );
      process.exitCode = 1;
    }
  } catch (err) {
    core.setFailed(errorMessage(err));
    process.exitCode = exitCodeFor(err);
    if (err instanceof RollbackFailedError) await summarize(err.outcome, err.message).catch(() => undefined);
  }
}
