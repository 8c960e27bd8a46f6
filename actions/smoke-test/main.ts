import * as core from "@actions/core";
import { errorMessage, exitCodeFor, InputError } from "../lib/errors.ts";
import type { Reporter } from "../lib/reporter.ts";
import { systemClock } from "../lib/reporter.ts";
import { loadSmokeConfig } from "../lib/smoke/load-config.ts";
import { smokeTableRows, summarize } from "../lib/smoke/report.ts";
import { runSmoke } from "../lib/smoke/runner.ts";
import { referencedSecrets } from "../lib/smoke/secrets.ts";
import { mask, writeSummary } from "../shared/summary.ts";

const reporter: Reporter = { info: core.info, warn: core.warning, debug: core.debug };

function parseUrl(value: string): string {
  if (!value)
    throw new InputError(
      "url",
      "Input url is required: the base URL to check, e.g. ${{ steps.deploy.outputs.url }}",
    );
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new InputError("url", `Input url must be an http(s) URL, got "${value}"`);
  }
  return value;
}

export async function run(): Promise<void> {
  try {
    const url = parseUrl(core.getInput("url"));
    const config = loadSmokeConfig({
      path: core.getInput("config") || undefined,
      inline: core.getInput("config-inline") || undefined,
    });
    mask(referencedSecrets(config, process.env));
    const report = await runSmoke(url, config, { clock: systemClock, reporter, env: process.env });
    const rows = smokeTableRows(report);
    for (const row of rows.slice(1))
      (row[0] === "✗" ? core.error : core.info)(row.filter(Boolean).join("  "));
    core.setOutput("passed", String(report.passed));
    core.setOutput("report", JSON.stringify(report));
    await writeSummary(`garde smoke test: ${report.passed ? "passed" : "failed"}`, [{ title: url, rows }]);
    if (!report.passed) {
      core.setFailed(`Smoke test of ${url} failed: ${summarize(report)}`);
      process.exitCode = 1;
    }
  } catch (err) {
    const message = errorMessage(err);
    core.setFailed(message);
    process.exitCode = exitCodeFor(err);
    core.setOutput("passed", "false");
    // The summary is where a reader looks first: say why nothing was checked.
    await writeSummary("garde smoke test: not run", [
      {
        rows: [
          ["Problem", "Fix"],
          [message, "correct the input named above and re-run"],
        ],
      },
    ]).catch(() => undefined);
  }
}
