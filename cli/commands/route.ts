import { branchNamesSchema, route } from "../../actions/lib/deploy/gitflow.ts";
import { parseInputs } from "../../actions/lib/inputs.ts";
import { type Command, noPositionals } from "../context.ts";
import { BRANCH_FLAGS, branchRaw, EVENT_FLAGS, eventOf } from "./event.ts";

export const routeCommand: Command = {
  name: "route",
  summary: "Print where an event on a ref deploys under the GitFlow rules, as JSON. Changes nothing.",
  flags: [...EVENT_FLAGS, ...BRANCH_FLAGS],
  examples: [
    "garde route --ref refs/heads/release/2.0.0",
    "garde route --event pull_request --ref refs/pull/7/merge --head-ref renovate/vitest-4.x",
    "garde route --event workflow_dispatch --ref refs/heads/main --input version=1.2.3 --input reason='payments down'",
  ],
  async run(args, ctx) {
    noPositionals(this, args);
    const branches = parseInputs(branchNamesSchema, branchRaw(args), "branch names");
    const plan = route({ ...eventOf(args, ctx), branches });
    ctx.stdout(`${JSON.stringify(plan, null, 2)}\n`);
    return 0;
  },
};
