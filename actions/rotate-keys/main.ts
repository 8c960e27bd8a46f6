import * as core from "@actions/core";
import { errorMessage, exitCodeFor } from "../lib/errors.ts";
import type { Reporter } from "../lib/reporter.ts";
import { parseRotateInputs, rotateInputsSchema } from "../lib/rotation/inputs.ts";
import { runRotation } from "../lib/rotation/run.ts";
import { processProbe } from "../shared/process-owner.ts";
import { context } from "../shared/runner-context.ts";
import { mask, writeSummary } from "../shared/summary.ts";

const reporter: Reporter = { info: core.info, warn: core.warning, debug: core.debug };

export async function run(): Promise<void> {
  try {
    const raw: Record<string, string> = {};
    for (const name of Object.keys(rotateInputsSchema.shape)) raw[name] = core.getInput(name);
    raw.repository ||= `${context.repo.owner}/${context.repo.repo}`;
    raw.kubeconfig ||= process.env.KUBECONFIG ?? "";
    mask([raw["vercel-token"], raw["github-token"], raw["store-key"]]);
    const inputs = parseRotateInputs(raw);
    const { planned, reports } = await runRotation(
      inputs.config,
      {
        ...inputs.request,
        actor: context.actor || "unknown",
        runId: `${context.runId}-${context.runAttempt}`,
      },
      {
        reporter,
        env: process.env,
        platform: inputs.platform,
        smoke: inputs.smoke,
        fileStoreKey: inputs.fileStoreKey,
        ...processProbe(),
      },
    );
    core.setOutput(
      "rotated",
      reports
        .filter((r) => r.outcome === "rotated")
        .map((r) => r.secret)
        .join(","),
    );
    core.setOutput("report", JSON.stringify({ planned, reports }));
    await writeSummary(`garde rotate keys${inputs.request.dryRun ? " (dry run)" : ""}`, [
      {
        rows: [
          [
            "Secret",
            "Due",
            "Step before",
            "Outcome",
            "Versions (current / previous)",
            "Previous revoked after",
          ],
          ...planned.map((p) => {
            const r = reports.find((x) => x.secret === p.secret);
            return [
              p.secret,
              p.due ? "yes" : "no",
              p.step,
              r?.outcome ?? "not run",
              r ? `${r.versions.current ?? "–"} / ${r.versions.previous ?? "–"}` : "",
              r?.revokeAfter ?? "",
            ];
          }),
        ],
      },
    ]);
  } catch (err) {
    core.setFailed(errorMessage(err));
    process.exitCode = exitCodeFor(err);
  }
}
