import type { RouteInput } from "../../actions/lib/deploy/gitflow.ts";
import { InputError } from "../../actions/lib/errors.ts";
import { type CliContext, stringFlag } from "../context.ts";
import type { Flag, ParsedArgs } from "../flags.ts";
import { currentRef } from "../git.ts";

/** The GitFlow event flags `route` and `deploy` share. */
export const EVENT_FLAGS: readonly Flag[] = [
  {
    name: "event",
    kind: "string",
    value: "EVENT",
    description: "push, pull_request or workflow_dispatch (default: push, or GITHUB_EVENT_NAME).",
  },
  {
    name: "ref",
    kind: "string",
    value: "REF",
    description: "Full ref, e.g. refs/heads/develop (default: the branch checked out, or GITHUB_REF).",
  },
  {
    name: "head-ref",
    kind: "string",
    value: "BRANCH",
    description: "A pull request's head branch (default: GITHUB_HEAD_REF).",
  },
  {
    name: "input",
    kind: "list",
    value: "KEY=VALUE",
    description: "A workflow_dispatch input: version=1.2.3, reason=…",
  },
];

export const BRANCH_FLAGS: readonly Flag[] = [
  {
    name: "feature-prefix",
    kind: "string",
    value: "PREFIX",
    description: "Feature branch prefix (default feature/).",
  },
  {
    name: "release-prefix",
    kind: "string",
    value: "PREFIX",
    description: "Release branch prefix (default release/).",
  },
  {
    name: "hotfix-prefix",
    kind: "string",
    value: "PREFIX",
    description: "Hotfix branch prefix (default hotfix/).",
  },
  {
    name: "develop-branch",
    kind: "string",
    value: "BRANCH",
    description: "Integration branch (default develop).",
  },
  { name: "main-branch", kind: "string", value: "BRANCH", description: "Production branch (default main)." },
];

function parseKeyValues(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0)
      throw new InputError("input", `--input takes key=value, e.g. --input version=1.2.3; got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** The event to route: flags, then a runner's GITHUB_* variables, then the branch checked out here. */
export function eventOf(args: ParsedArgs, ctx: CliContext): Omit<RouteInput, "branches"> {
  const flag = (name: string) => stringFlag(args, name);
  const event = flag("event") ?? ctx.env.GITHUB_EVENT_NAME ?? "push";
  const ref = flag("ref") ?? ctx.env.GITHUB_REF ?? currentRef(ctx.cwd);
  if (!ref) {
    throw new InputError(
      "ref",
      "--ref is required outside a git branch: give the branch, e.g. --ref refs/heads/develop",
    );
  }
  return {
    event,
    ref,
    headRef: flag("head-ref") ?? ctx.env.GITHUB_HEAD_REF,
    inputs: parseKeyValues((args.values.input as string[] | undefined) ?? []),
  };
}

export function branchRaw(args: ParsedArgs) {
  const flag = (name: string) => stringFlag(args, name);
  return {
    feature: flag("feature-prefix"),
    release: flag("release-prefix"),
    hotfix: flag("hotfix-prefix"),
    develop: flag("develop-branch"),
    main: flag("main-branch"),
  };
}
