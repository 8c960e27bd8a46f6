import type { RollbackOutcome } from "../../actions/lib/rollback/rollback.ts";
import {
  type CliContext,
  type Command,
  GITHUB_ENV,
  GITHUB_TOKEN_ENV,
  noPositionals,
  PLATFORM_FLAGS,
  platformRaw,
  VERCEL_TOKEN_ENV,
} from "../context.ts";
import { JSON_FLAG } from "../flags.ts";

const ROLLBACK_FLAGS = [
  {
    name: "to",
    kind: "string",
    value: "previous|dpl_…",
    description: "Manual mode: roll production back to the previous build or this one.",
  },
  { name: "reason", kind: "string", value: "TEXT", description: "Why (manual mode), sent with the P2 page." },
  {
    name: "deployment-id",
    kind: "string",
    value: "dpl_…",
    description: "Auto mode: the release to watch (default: what production serves).",
  },
  {
    name: "smoke-config",
    kind: "string",
    value: "FILE",
    description: "Checks each watch round runs (default: garde.yml's, else GET /).",
  },
  { name: "production-url", kind: "string", value: "URL", description: "Public production URL to check." },
  {
    name: "watch-window",
    kind: "string",
    value: "DURATION",
    description: "How long a release must stay healthy, 1s–6h (default 10m).",
  },
  {
    name: "watch-interval",
    kind: "string",
    value: "DURATION",
    description: "Between rounds, 1s–10m and ≤ the window (default 30s).",
  },
  {
    name: "consecutive-failures",
    kind: "string",
    value: "N",
    description: "Failed rounds in a row that roll back, 1–20 (default 3).",
  },
  {
    name: "error-rate",
    kind: "string",
    value: "SHARE",
    description: "Or a failed share over this once N rounds ran, 0–1 (default 0.5).",
  },
  {
    name: "github-issue",
    kind: "string",
    value: "true|false",
    description: "Open a GitHub issue per P1 incident (default true).",
  },
  {
    name: "alert-webhook-url",
    kind: "string",
    value: "URL",
    description: "An Alertmanager /api/v2/alerts to poll during the watch.",
  },
  {
    name: "gcp-monitoring-project",
    kind: "string",
    value: "PROJECT",
    description: "Poll open Cloud Monitoring incidents of this project.",
  },
  {
    name: "gcp-monitoring-api-url",
    kind: "string",
    value: "URL",
    description: "Cloud Monitoring API base URL (an emulator).",
  },
  ...PLATFORM_FLAGS,
  JSON_FLAG,
] as const;

async function print(ctx: CliContext, outcome: RollbackOutcome, failure: string | null, json: boolean) {
  if (json) return ctx.stdout(`${JSON.stringify({ ...outcome, failure }, null, 2)}\n`);
  const [{ rollbackSummaryRows, timelineRows }, { formatTable }] = await Promise.all([
    import("../../actions/lib/rollback/summary.ts"),
    import("../../actions/lib/smoke/report.ts"),
  ]);
  ctx.stdout(
    `${formatTable(rollbackSummaryRows(outcome, failure).slice(1))}\n\n${formatTable(timelineRows(outcome))}\n`,
  );
}

export const rollbackCommand: Command = {
  name: "rollback",
  summary: "Watch the live release and roll it back when it fails, or roll back now with --to.",
  details: [
    "Without --to: re-run the checks every interval through the window; healthy, the release becomes known-good; failing, production goes back to the last known-good build (exit 1).",
    "With --to previous or --to dpl_…: roll back now (a P2), check the restored build, record both on GitHub.",
    "The project and repository come from flags, garde.yml, .vercel/project.json (vercel link) and the git remote origin.",
  ],
  flags: ROLLBACK_FLAGS,
  env: [
    VERCEL_TOKEN_ENV,
    GITHUB_TOKEN_ENV,
    GITHUB_ENV,
    { name: "SLACK_WEBHOOK_URL", description: "Receives P1/P2 incidents when set." },
  ],
  examples: [
    'garde rollback --to previous --reason "wrong prices"     # inside a linked project (vercel link)',
    "garde rollback --deployment-id dpl_9fT2… --watch-window 10m --smoke-config .github/smoke.yml",
  ],
  async run(args, ctx) {
    noPositionals(this, args);
    // Loaded here, as every command's core: `garde help` or `garde plan` need none of it.
    const [{ parseRollbackConfig }, { RollbackFailedError }, { runRollback }, { failedRelease }] =
      await Promise.all([
        import("../../actions/lib/rollback/config.ts"),
        import("../../actions/lib/rollback/rollback.ts"),
        import("../../actions/lib/rollback/run.ts"),
        import("../../actions/lib/rollback/summary.ts"),
      ]);
    const raw = platformRaw(
      args,
      ctx,
      ROLLBACK_FLAGS.filter((f) => f.kind === "string").map((f) => f.name),
    );
    const config = parseRollbackConfig({ ...raw, "slack-webhook-url": ctx.env.SLACK_WEBHOOK_URL });
    const json = args.values.json === true;
    try {
      const outcome = await runRollback(config, {
        reporter: ctx.reporter,
        env: ctx.env,
        actor: ctx.env.USER,
      });
      await print(ctx, outcome, null, json);
      return failedRelease(config.to, outcome) ? 1 : 0;
    } catch (err) {
      if (err instanceof RollbackFailedError) await print(ctx, err.outcome, err.message, json);
      throw err;
    }
  },
};
