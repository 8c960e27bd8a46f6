import * as core from "@actions/core";
import { errorMessage, exitCodeFor } from "../lib/errors.ts";
import { operationInputsSchema, parseOperationInputs } from "../lib/operations/inputs.ts";
import { operationRows } from "../lib/operations/record.ts";
import { runOperation } from "../lib/operations/run.ts";
import { type Reporter, systemClock } from "../lib/reporter.ts";
import { context } from "../shared/runner-context.ts";
import { writeSummary } from "../shared/summary.ts";

const reporter: Reporter = { info: core.info, warn: core.warning, debug: core.debug };

export async function run(): Promise<void> {
  try {
    const raw: Record<string, string> = {};
    for (const name of Object.keys(operationInputsSchema.shape)) raw[name] = core.getInput(name);
    // get-gke-credentials and kubectl name the kubeconfig through KUBECONFIG.
    raw.kubeconfig ||= process.env.KUBECONFIG ?? "";
    const config = parseOperationInputs(raw);
    const { outcome, snapshot } = await runOperation(config, {
      reporter,
      clock: systemClock,
      actor: context.actor || "unknown",
      now: new Date(),
    });
    if (outcome) {
      core.setOutput("changed", String(outcome.changed));
      core.setOutput("before", outcome.before);
      core.setOutput("after", outcome.after);
      core.setOutput("undo", outcome.undo);
      await writeSummary(`garde ${outcome.operation}`, [{ rows: [["", ""], ...operationRows(outcome)] }]);
    }
    if (snapshot) {
      core.setOutput("snapshot-path", snapshot.path);
      await writeSummary("garde snapshot-config", [
        {
          rows: [
            ["", ""],
            ["File", snapshot.path],
            ["ConfigMaps", String(snapshot.configMaps)],
            ["Secrets (names and keys only)", String(snapshot.secrets)],
          ],
        },
      ]);
    }
  } catch (err) {
    core.setFailed(errorMessage(err));
    process.exitCode = exitCodeFor(err);
  }
}
