import * as core from "@actions/core";
import { errorMessage, exitCodeFor } from "../lib/errors.ts";
import { type Reporter, systemClock } from "../lib/reporter.ts";
import { parseReviewInputs, reviewInputsSchema } from "../lib/review/inputs.ts";
import { runInfraReview } from "../lib/review/run.ts";
import { context } from "../shared/runner-context.ts";
import { mask, writeSummary } from "../shared/summary.ts";

const reporter: Reporter = { info: core.info, warn: core.warning, debug: core.debug };

/** Inputs, with the pull request, repository and API taken from the event when not given. */
function rawInputs(): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(reviewInputsSchema.shape)) raw[name] = core.getInput(name);
  const pr = context.payload.pull_request?.number;
  raw["pr-number"] ||= pr ? String(pr) : "";
  raw.repository ||= process.env.GITHUB_REPOSITORY ?? "";
  raw["github-api-url"] ||= process.env.GITHUB_API_URL ?? "";
  raw["head-sha"] ||= context.payload.pull_request?.head?.sha ?? context.sha ?? "";
  return raw;
}

export async function run(): Promise<void> {
  try {
    const raw = rawInputs();
    mask([raw["github-token"]]);
    const report = await runInfraReview(parseReviewInputs(raw), { clock: systemClock, reporter });
    for (const [name, value] of Object.entries(report.outputs)) core.setOutput(name, value);
    await writeSummary(report.heading, [{ rows: report.rows }]);
    if (report.failure) {
      core.setFailed(report.failure);
      process.exitCode = 1;
    }
  } catch (err) {
    core.setFailed(errorMessage(err));
    process.exitCode = exitCodeFor(err);
  }
}
