import { type Command, noPositionals, stringFlag } from "../context.ts";
import { JSON_FLAG } from "../flags.ts";

export const planCommand: Command = {
  name: "plan",
  summary:
    "Evaluate the infra program offline, check it against garde's policy pack, print each stack. No cloud credentials.",
  details: [
    "Policy violations first (mandatory, then advisory, each with how to fix it), then resources by type, alerts with thresholds and routes, backups and their schedules, secrets.",
    "Exits 1 when a stack breaks a mandatory policy: mandatory in prod, advisory in dev and staging, overridden in garde:policies.",
    "Without a flag: the project's stacks (Pulumi.<stack>.yaml beside Pulumi.yaml).",
    "--diff BASE evaluates the stacks at BASE and in the working tree the same way and prints what changes, deletes and replaces first; stacks added or removed are named. Exits 1 when a mandatory policy fails on the working tree, 2 on a revision git does not know.",
  ],
  flags: [
    {
      name: "stack",
      kind: "string",
      value: "NAME",
      description: "One stack of the project: Pulumi.NAME.yaml.",
    },
    {
      name: "all",
      kind: "boolean",
      description: "The project's stacks and every stack file in its examples/.",
    },
    { name: "file", kind: "string", value: "FILE", description: "One stack file anywhere." },
    { name: "dir", kind: "string", value: "DIR", description: "Every .yaml stack file in a directory." },
    {
      name: "diff",
      kind: "string",
      value: "BASE",
      description:
        "What the working tree changes from git revision BASE (origin/main, a tag, a commit), per stack: creates, updates by property old → new, replaces, deletes. Secrets show as [secret].",
    },
    {
      name: "policy-pack-config",
      kind: "boolean",
      description:
        "Print the stack's policy pack config instead (for pulumi preview --policy-pack policies --policy-pack-config FILE).",
    },
    JSON_FLAG,
  ],
  examples: [
    "garde plan --stack prod",
    "garde plan --all --json | jq '.[].stack'",
    "garde plan --file examples/cesizen-nextjs.yaml",
    "garde plan --stack prod --policy-pack-config > prod-policies.json",
    "garde plan --all --diff origin/main --json > review.json",
  ],
  async run(args, ctx) {
    noPositionals(this, args);
    // Loaded on its own first, so that it defers what the SDK loads for nothing offline before
    // anything loads the SDK (in a compiled chunk, package imports come before inlined modules).
    await import("../../infra/offline-sdk.ts");
    const { runPlan } = await import("../plan-command.ts");
    const { output, exitCode } = await runPlan({
      cwd: ctx.cwd,
      stack: stringFlag(args, "stack"),
      all: args.values.all === true,
      file: stringFlag(args, "file"),
      dir: stringFlag(args, "dir"),
      json: args.values.json === true,
      policyPackConfig: args.values["policy-pack-config"] === true,
      diff: stringFlag(args, "diff"),
    });
    ctx.stdout(output);
    return exitCode;
  },
};
