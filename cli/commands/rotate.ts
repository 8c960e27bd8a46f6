import type { RotationReport } from "../../actions/lib/rotation/rotate.ts";
import type { PlannedRotation } from "../../actions/lib/rotation/run.ts";
import {
  type Command,
  GITHUB_ENV,
  noPositionals,
  PLATFORM_FLAGS,
  platformRaw,
  stringFlag,
} from "../context.ts";
import { JSON_FLAG } from "../flags.ts";

function describe(p: PlannedRotation, r: RotationReport | undefined): string {
  if (r) {
    return `${r.outcome} (steps: ${r.steps.join(" → ") || "none"}; current ${r.versions.current}, previous ${r.versions.previous ?? "none"})`;
  }
  if (p.due === null) return "due unknown (store not read)";
  return p.due ? "due" : "not due";
}

/**
 * GARDE_TEST_KILL_AFTER_STEP=set (or set:2, the second time that step is recorded) makes the
 * process SIGKILL itself right after recording it: the kill tests use it to stop a real run
 * where a crash would, leaving its lease and nothing released.
 */
function killAfterStepForTests(spec: string | undefined) {
  if (!spec) return undefined;
  const [step, nth = "1"] = spec.split(":");
  let seen = 0;
  return (recorded: string) => {
    if (recorded === step && ++seen === Number(nth)) process.kill(process.pid, "SIGKILL");
  };
}

export const rotateCommand: Command = {
  name: "rotate",
  args: "SECRET[,SECRET] | due",
  summary: "Rotate secrets from rotation.yml: create, set in consumers, test, finish, revoke the old one.",
  details: [
    "Resumable: each step is recorded on the store before the next. A run holds the secret by a 30 s lease it renews; a second run refuses while it holds, naming it, and a rerun takes over at once when that run's process is gone from this host (or once the lease runs out) and continues from the recorded step.",
    "--dry-run reads only the store (no consumer credentials); without store credentials it still prints the plan.",
  ],
  flags: [
    { name: "config", kind: "string", value: "FILE", description: "The rotation config (rotation.yml)." },
    {
      name: "reason",
      kind: "string",
      value: "TEXT",
      description: "Why, 3–300 characters, kept in the audit record.",
    },
    { name: "dry-run", kind: "boolean", description: "Say what is due and would rotate; change nothing." },
    {
      name: "smoke-config",
      kind: "string",
      value: "FILE",
      description: "Checks a Vercel rebuild passes with the new value.",
    },
    ...PLATFORM_FLAGS,
    JSON_FLAG,
  ],
  env: [
    { name: "GARDE_STORE_KEY", description: "64 hex characters: the key of a file store." },
    {
      name: "GOOGLE_APPLICATION_CREDENTIALS",
      description: "A gcp store's credentials (or gcloud auth application-default login).",
    },
    { name: "VERCEL_TOKEN", description: "For secrets with a Vercel consumer." },
    {
      name: "GITHUB_TOKEN",
      description: "For secrets with a GitHub secret consumer, and known-good lookups.",
    },
    GITHUB_ENV,
  ],
  examples: [
    'GARDE_STORE_KEY=… garde rotate due --config rotation.yml --reason "scheduled" --dry-run',
    'garde rotate api-token --config rotation.yml --reason "leaked in a log"',
  ],
  async run(args, ctx) {
    noPositionals(this, args, 1);
    const [{ parseRotateInputs }, { runRotation }, { processProbe }] = await Promise.all([
      import("../../actions/lib/rotation/inputs.ts"),
      import("../../actions/lib/rotation/run.ts"),
      import("../../actions/shared/process-owner.ts"),
    ]);
    const raw = platformRaw(args, ctx, ["smoke-config"]);
    const inputs = parseRotateInputs({
      ...raw,
      config: stringFlag(args, "config"),
      secrets: args.positionals[0],
      reason: stringFlag(args, "reason"),
      "dry-run": args.values["dry-run"] ? "true" : "false",
      "store-key": ctx.env.GARDE_STORE_KEY,
      repository: raw.repository ?? "local/garde",
    });
    const result = await runRotation(
      inputs.config,
      { ...inputs.request, actor: ctx.env.USER ?? "cli", runId: `cli-${process.pid}-${Date.now()}` },
      {
        reporter: ctx.reporter,
        env: ctx.env,
        platform: inputs.platform,
        smoke: inputs.smoke,
        fileStoreKey: inputs.fileStoreKey,
        ...processProbe(),
        afterStep: killAfterStepForTests(ctx.env.GARDE_TEST_KILL_AFTER_STEP),
      },
    );
    if (args.values.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else
      for (const p of result.planned)
        ctx.stdout(
          `${p.secret}: ${describe(
            p,
            result.reports.find((x) => x.secret === p.secret),
          )}\n`,
        );
    return 0;
  },
};
