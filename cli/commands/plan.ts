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
  ],
  async run(args, ctx) {
    noPositionals(this, args);
    const { runPlan } = await import("../plan-command.ts");
    const { output, exitCode } = await runPlan({
      cwd: ctx.cwd,
      stack: stringFlag(args, "stack"),
      all: args.values.all === true,
      file: stringFlag(args, "file"),
      dir: stringFlag(args, "dir"),
      json: args.values.json === true,
      policyPackConfig: args.values["policy-pack-config"] === true,
    });
    ctx.stdout(output);
    return exitCode;
  },
};
