import type { DeployPlan } from "../../actions/lib/deploy/gitflow.ts";
import { errorMessage, InputError } from "../../actions/lib/errors.ts";
import {
  type Command,
  GITHUB_ENV,
  GITHUB_TOKEN_ENV,
  noPositionals,
  PLATFORM_FLAGS,
  platformRaw,
  stringFlag,
  VERCEL_TOKEN_ENV,
} from "../context.ts";
import { JSON_FLAG } from "../flags.ts";
import { headSha } from "../git.ts";
import { BRANCH_FLAGS, EVENT_FLAGS, eventOf } from "./event.ts";

const DEPLOY_FLAGS = [
  ...EVENT_FLAGS,
  {
    name: "sha",
    kind: "string",
    value: "SHA",
    description: "Commit to deploy (default: GITHUB_SHA, or HEAD here).",
  },
  ...PLATFORM_FLAGS,
  {
    name: "environment",
    kind: "string",
    value: "ENV",
    description: "Refuse unless the rules route here: preview, staging or production.",
  },
  {
    name: "staging-alias",
    kind: "string",
    value: "HOST",
    description: "Domain pointed at each staging build.",
  },
  {
    name: "production-url",
    kind: "string",
    value: "URL",
    description: "Public production URL, recorded once promoted.",
  },
  {
    name: "smoke-config",
    kind: "string",
    value: "FILE",
    description: "Checks every build passes before it is aliased or promoted.",
  },
  {
    name: "ready-timeout",
    kind: "string",
    value: "SECONDS",
    description: "How long the build may take, 10–3600 (default 600).",
  },
  {
    name: "poll-interval",
    kind: "string",
    value: "SECONDS",
    description: "Between build status polls, 1–60 (default 5).",
  },
  ...BRANCH_FLAGS,
  {
    name: "reconcile",
    kind: "boolean",
    description: "Build nothing: repair production's GitHub record to match what it serves.",
  },
  JSON_FLAG,
] as const;

const RAW_NAMES = [
  "environment",
  "staging-alias",
  "production-url",
  "smoke-config",
  "ready-timeout",
  "poll-interval",
  // The branch names go to the core under their flag names, as the action's inputs do.
  ...BRANCH_FLAGS.map((f) => f.name),
];

export const deployCommand: Command = {
  name: "deploy",
  summary: "Deploy a commit to the environment its branch routes to: build, check, alias or promote.",
  details: [
    "Production builds are staged: built without the production domains, checked, then promoted.",
    "On failure the GitHub deployment is marked failed; --json still prints the build that failed.",
  ],
  flags: DEPLOY_FLAGS,
  env: [VERCEL_TOKEN_ENV, GITHUB_TOKEN_ENV, GITHUB_ENV],
  examples: [
    "garde deploy                      # the branch checked out, at HEAD, as if pushed",
    'garde deploy --ref refs/heads/main --sha "$(git rev-parse HEAD)" --vercel-project web --repository acme/web',
  ],
  async run(args, ctx) {
    noPositionals(this, args);
    // Loaded here, as every command's core: `garde help` or `garde plan` need none of it.
    const [{ parseDeployConfig }, { emptyProgress }, { planFor, runDeploy }] = await Promise.all([
      import("../../actions/lib/deploy/config.ts"),
      import("../../actions/lib/deploy/deploy.ts"),
      import("../../actions/lib/deploy/run.ts"),
    ]);
    const raw = platformRaw(args, ctx, RAW_NAMES);
    raw.sha = stringFlag(args, "sha") ?? ctx.env.GITHUB_SHA ?? headSha(ctx.cwd);
    if (args.values.reconcile) raw.reconcile = "true";
    const config = parseDeployConfig(raw);
    if (config.reconcile) {
      const { runReconcile } = await import("../../actions/lib/deploy/run.ts");
      const result = await runReconcile(config, { reporter: ctx.reporter });
      if (args.values.json) ctx.stdout(`${JSON.stringify({ ok: true, ...result }, null, 2)}\n`);
      else
        ctx.stdout(
          `production: ${result.live ?? "nothing"}: ${result.repaired ? "record repaired" : "nothing to repair"} (${result.detail})\n`,
        );
      return 0;
    }
    const plan: DeployPlan = planFor(eventOf(args, ctx), config);
    const progress = emptyProgress();
    try {
      const result = await runDeploy(config, plan, { reporter: ctx.reporter, env: ctx.env, progress });
      if (args.values.json) ctx.stdout(`${JSON.stringify({ ok: true, ...result }, null, 2)}\n`);
      else if (result.superseded)
        ctx.stdout(
          `${result.environment}: superseded, not promoted: production already serves ${result.superseded}, newer than ${config.sha} (${result.deploymentId} stays staged)\n`,
        );
      else ctx.stdout(`${result.environment}: ${result.environmentUrl} (${result.deploymentId})\n`);
      return 0;
    } catch (err) {
      if (InputError.is(err)) throw err;
      // The build that failed is still worth a link: print what exists, then fail.
      if (args.values.json) {
        ctx.stdout(
          `${JSON.stringify({ ok: false, error: errorMessage(err), environment: plan.environment, plan, ...progress }, null, 2)}\n`,
        );
      }
      throw err;
    }
  },
};
