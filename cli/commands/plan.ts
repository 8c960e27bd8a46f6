import { type Command, noPositionals, stringFlag } from "../context.ts";
import { JSON_FLAG } from "../flags.ts";

export const planCommand: Command = {
  name: "plan",
  summary: "Evaluate the infra program offline and print each stack's inventory. No cloud credentials.",
  details: [
    "Lists resources by type, alerts with thresholds and routes, backups and their schedules, secrets.",
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
    JSON_FLAG,
  ],
  examples: [
    "garde plan --stack prod",
    "garde plan --all --json | jq '.[].stack'",
    "garde plan --file examples/cesizen-nextjs.yaml",
  ],
  async run(args, ctx) {
    noPositionals(this, args);
    const { runPlan } = await import("../plan-command.ts");
    ctx.stdout(
      await runPlan({
        cwd: ctx.cwd,
        stack: stringFlag(args, "stack"),
        all: args.values.all === true,
        file: stringFlag(args, "file"),
        dir: stringFlag(args, "dir"),
        json: args.values.json === true,
      }),
    );
    return 0;
  },
};
