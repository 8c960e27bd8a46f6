import * as core from "@actions/core";
import { backupInputsSchema, parseBackupInputs, secretsOf } from "../lib/backup/inputs.ts";
import { findPgBin } from "../lib/backup/pg-bin.ts";
import { runBackupMode } from "../lib/backup/run.ts";
import { errorMessage, exitCodeFor } from "../lib/errors.ts";
import { type Reporter, systemClock } from "../lib/reporter.ts";
import { processProbe } from "../shared/process-owner.ts";
import { mask, writeSummary } from "../shared/summary.ts";

const reporter: Reporter = { info: core.info, warn: core.warning, debug: core.debug };

export async function run(): Promise<void> {
  try {
    const raw: Record<string, string> = {};
    for (const name of Object.keys(backupInputsSchema.shape)) raw[name] = core.getInput(name);
    mask(secretsOf(raw));
    const inputs = parseBackupInputs(raw);
    const report = await runBackupMode(inputs, {
      pgBin: findPgBin(inputs["pg-bin"], process.env),
      clock: systemClock,
      reporter,
      process: processProbe(),
    });
    for (const [name, value] of Object.entries(report.outputs)) core.setOutput(name, value);
    await writeSummary(report.heading, report.sections);
    if (report.failed) {
      core.setFailed(report.failure ?? "The restore drill failed");
      process.exitCode = 1;
    }
  } catch (err) {
    core.setFailed(errorMessage(err));
    process.exitCode = exitCodeFor(err);
  }
}
