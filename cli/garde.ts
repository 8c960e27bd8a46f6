import { parseArgs } from "node:util";
import { parseDeployConfig } from "../actions/lib/deploy-config.ts";
import { planFor, runDeploy } from "../actions/lib/deploy-run.ts";
import { errorMessage, exitCodeFor, InputError } from "../actions/lib/errors.ts";
import { branchNamesSchema, route } from "../actions/lib/gitflow.ts";
import { parseInputs } from "../actions/lib/inputs.ts";
import { type Reporter, systemClock } from "../actions/lib/reporter.ts";
import { parseRollbackConfig } from "../actions/lib/rollback/config.ts";
import { RollbackFailedError, type RollbackOutcome } from "../actions/lib/rollback/rollback.ts";
import { runRollback } from "../actions/lib/rollback/run.ts";
import { failedRelease, rollbackSummaryRows, timelineRows } from "../actions/lib/rollback/summary.ts";
import { loadSmokeConfig } from "../actions/lib/smoke/load-config.ts";
import { formatTable, smokeTableRows, summarize } from "../actions/lib/smoke/report.ts";
import { runSmoke } from "../actions/lib/smoke/runner.ts";

const USAGE = `garde: ship web apps safely

Usage:
  garde route  --event EVENT --ref REF [--head-ref BRANCH] [--input key=value]...
  garde deploy --event EVENT --ref REF --sha SHA [--head-ref BRANCH] [--input key=value]...
               [--vercel-project NAME] [--repository OWNER/NAME] [--environment ENV] [--staging-alias HOST]
               [--vercel-api-url URL] [--github-api-url URL] [--ready-timeout SECONDS] [--smoke-config FILE] [--json]
  garde plan   [--stack NAME | --all | --file FILE | --dir DIR] [--json]
               Evaluates the infra program offline (no cloud credentials) and prints each stack's
               inventory: resources by type, alerts with thresholds and routes, backups, secrets.
  garde rotate SECRET[,SECRET] | due --config rotation.yml --reason TEXT [--dry-run] [--smoke-config FILE] [--json]
               Rotates secrets (resumable; refuses while another run holds one). GARDE_STORE_KEY
               opens an encrypted file store; VERCEL_TOKEN for Vercel consumers.
  garde smoke  URL [--config FILE] [--json]
  garde rollback [--to previous|ID] [--reason TEXT] [--deployment-id ID] [--smoke-config FILE]
               [--watch-window 10m] [--watch-interval 30s] [--vercel-project NAME] [--repository OWNER/NAME] [--json]
               Without --to: watch the live release, mark it known-good or roll it back (exit 1).
               SLACK_WEBHOOK_URL, when set, receives P1/P2 incidents.
  Tokens come from VERCEL_TOKEN and GITHUB_TOKEN (never from flags, which shell history keeps);
  smoke config headers read \${NAME} from the environment.

Exit codes: 0 done, 1 a check or deployment failed, 2 bad input.`;

const stderrReporter: Reporter = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  debug: (m) => {
    if (process.env.GARDE_DEBUG) process.stderr.write(`debug: ${m}\n`);
  },
};

const ROLLBACK_FLAGS = [
  "vercel-project",
  "vercel-team-id",
  "vercel-api-url",
  "github-api-url",
  "repository",
  "smoke-config",
  "production-url",
  "to",
  "deployment-id",
  "reason",
  "watch-window",
  "watch-interval",
  "consecutive-failures",
  "error-rate",
  "github-issue",
  "alert-webhook-url",
  "gcp-monitoring-project",
  "gcp-monitoring-api-url",
] as const;

const DEPLOY_FLAGS = [
  "vercel-project",
  "vercel-team-id",
  "vercel-api-url",
  "github-api-url",
  "repository",
  "sha",
  "environment",
  "staging-alias",
  "production-url",
  "ready-timeout",
  "poll-interval",
  "smoke-config",
  "feature-prefix",
  "release-prefix",
  "hotfix-prefix",
  "develop-branch",
  "main-branch",
] as const;

function parseKeyValues(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InputError("input", `--input takes key=value, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        event: { type: "string" },
        ref: { type: "string" },
        "head-ref": { type: "string" },
        input: { type: "string", multiple: true, default: [] },
        json: { type: "boolean", default: false },
        config: { type: "string" },
        stack: { type: "string" },
        reason: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        all: { type: "boolean", default: false },
        file: { type: "string" },
        dir: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
        ...Object.fromEntries(
          [...DEPLOY_FLAGS, ...ROLLBACK_FLAGS].map((f) => [f, { type: "string" as const }]),
        ),
      },
    });
  } catch (err) {
    throw new InputError("arguments", `${errorMessage(err)}\n\n${USAGE}`);
  }
}

function eventOf(values: ReturnType<typeof parse>["values"]) {
  if (!values.event)
    throw new InputError("event", "--event is required (push, pull_request or workflow_dispatch)");
  if (!values.ref) throw new InputError("ref", "--ref is required (for example refs/heads/develop)");
  return {
    event: values.event,
    ref: values.ref,
    headRef: values["head-ref"],
    inputs: parseKeyValues(values.input as string[]),
  };
}

function printRollback(outcome: RollbackOutcome, failure: string | null, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...outcome, failure }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${formatTable(rollbackSummaryRows(outcome, failure).slice(1))}\n\n${formatTable(timelineRows(outcome))}\n`,
  );
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const { values, positionals } = parse(argv);
    const command = positionals[0];
    if (values.help || !command) {
      process.stdout.write(`${USAGE}\n`);
      return command || values.help ? 0 : 2;
    }
    const flags = values as unknown as Record<string, string | undefined>;
    if (command === "route") {
      const branches = parseInputs(
        branchNamesSchema,
        {
          feature: flags["feature-prefix"],
          release: flags["release-prefix"],
          hotfix: flags["hotfix-prefix"],
          develop: flags["develop-branch"],
          main: flags["main-branch"],
        },
        "branch names",
      );
      const plan = route({ ...eventOf(values), branches });
      process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      return 0;
    }
    if (command === "deploy") {
      const raw: Record<string, string | undefined> = {
        "vercel-token": env.VERCEL_TOKEN,
        "github-token": env.GITHUB_TOKEN,
        repository: env.GITHUB_REPOSITORY,
        sha: env.GITHUB_SHA,
      };
      for (const flag of DEPLOY_FLAGS) if (flags[flag] !== undefined) raw[flag] = flags[flag];
      const config = parseDeployConfig(raw);
      const plan = planFor(eventOf(values), config);
      const result = await runDeploy(config, plan, { reporter: stderrReporter, env });
      if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${result.environment}: ${result.environmentUrl} (${result.deploymentId})\n`);
      return 0;
    }
    if (command === "plan") {
      const { runPlan } = await import("./plan-command.ts");
      process.stdout.write(
        await runPlan({
          stack: values.stack,
          all: values.all,
          file: values.file,
          dir: values.dir,
          json: values.json,
        }),
      );
      return 0;
    }
    if (command === "rotate") {
      const { parseRotateInputs } = await import("../actions/lib/rotation/inputs.ts");
      const { runRotation } = await import("../actions/lib/rotation/run.ts");
      const inputs = parseRotateInputs({
        config: values.config,
        secrets: positionals[1],
        reason: flags.reason,
        "dry-run": values["dry-run"] ? "true" : "false",
        "store-key": env.GARDE_STORE_KEY,
        "vercel-token": env.VERCEL_TOKEN,
        "vercel-project": flags["vercel-project"],
        "vercel-api-url": flags["vercel-api-url"],
        "github-token": env.GITHUB_TOKEN,
        repository: flags.repository ?? env.GITHUB_REPOSITORY ?? "local/garde",
        "smoke-config": flags["smoke-config"],
      });
      const result = await runRotation(
        inputs.config,
        { ...inputs.request, actor: env.USER ?? "cli", runId: `cli-${process.pid}-${Date.now()}` },
        {
          reporter: stderrReporter,
          env,
          platform: inputs.platform,
          smoke: inputs.smoke,
          fileStoreKey: inputs.fileStoreKey,
        },
      );
      if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        for (const p of result.planned) {
          const r = result.reports.find((x) => x.secret === p.secret);
          process.stdout.write(
            `${p.secret}: ${r ? `${r.outcome} (steps: ${r.steps.join(" → ") || "none"}; current ${r.versions.current}, previous ${r.versions.previous ?? "none"}${r.heldBy.length ? `; previous still held by ${r.heldBy.join(", ")}` : ""})` : p.due ? "due" : "not due"}\n`,
          );
        }
      }
      return 0;
    }
    if (command === "smoke") {
      const url = positionals[1];
      if (!url || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
        throw new InputError(
          "url",
          `garde smoke needs an http(s) URL, e.g. garde smoke https://example.com${url ? `; got "${url}"` : ""}`,
        );
      }
      const config = loadSmokeConfig({ path: values.config });
      const report = await runSmoke(url, config, { clock: systemClock, reporter: stderrReporter, env });
      if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else
        process.stdout.write(
          `${formatTable(smokeTableRows(report))}\n\n${report.passed ? "passed" : "FAILED"}: ${summarize(report)}\n`,
        );
      return report.passed ? 0 : 1;
    }
    if (command === "rollback") {
      const raw: Record<string, string | undefined> = {
        "vercel-token": env.VERCEL_TOKEN,
        "github-token": env.GITHUB_TOKEN,
        "slack-webhook-url": env.SLACK_WEBHOOK_URL,
        repository: env.GITHUB_REPOSITORY,
      };
      for (const flag of ROLLBACK_FLAGS) if (flags[flag] !== undefined) raw[flag] = flags[flag];
      const config = parseRollbackConfig(raw);
      try {
        const outcome = await runRollback(config, { reporter: stderrReporter, env, actor: env.USER });
        printRollback(outcome, null, values.json);
        return failedRelease(config.to, outcome) ? 1 : 0;
      } catch (err) {
        if (err instanceof RollbackFailedError) printRollback(err.outcome, err.message, values.json);
        throw err;
      }
    }
    throw new InputError("command", `Unknown command "${command}".\n\n${USAGE}`);
  } catch (err) {
    process.stderr.write(`garde: ${errorMessage(err)}\n`);
    return exitCodeFor(err);
  }
}
