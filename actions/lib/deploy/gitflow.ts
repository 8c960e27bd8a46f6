import * as z from "zod";
import { InputError } from "../errors.ts";

/**
 * GitFlow routing: which environment an event on a ref deploys to.
 * Pure: (event, ref, head ref, dispatch inputs, branch names) → a typed plan, or an InputError
 * that lists the rules so the reader sees what would have matched.
 */

export const ENVIRONMENTS = ["preview", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const branchNamesSchema = z
  .object({
    feature: z.string().min(1).default("feature/"),
    release: z.string().min(1).default("release/"),
    hotfix: z.string().min(1).default("hotfix/"),
    develop: z.string().min(1).default("develop"),
    main: z.string().min(1).default("main"),
  })
  .strict();
export type BranchNames = z.infer<typeof branchNamesSchema>;
export const defaultBranchNames: BranchNames = branchNamesSchema.parse({});

export interface RouteInput {
  /** GitHub event name: push, pull_request, workflow_dispatch, … */
  event: string;
  /** Full ref: refs/heads/develop, refs/pull/12/merge, … */
  ref: string;
  /** For pull_request events: the PR's head branch (GITHUB_HEAD_REF). */
  headRef?: string | undefined;
  /** workflow_dispatch inputs; `version` and `reason` are read. */
  inputs?: Readonly<Record<string, string | undefined>>;
  branches?: BranchNames;
}

export interface DeployPlan {
  environment: Environment;
  /** Production deploys are built without taking the production domains, then promoted after checks. */
  staged: boolean;
  version: string | null;
  /** Branch a back-merge PR should target once this release is live. */
  backMergeInto: string | null;
  /** The branch being deployed. */
  branch: string;
  /** Human-readable name of the rule that matched. */
  rule: string;
  /** Why a release manager dispatched this, when they said. */
  reason: string | null;
}

const VERSION = /^\d+\.\d+\.\d+$/;
const PULL_REF = /^refs\/pull\/\d+\/(merge|head)$/;

export function describeRules(b: BranchNames = defaultBranchNames): string[] {
  return [
    `push to ${b.feature}* → preview`,
    `pull_request from ${b.feature}* → preview`,
    "pull_request from any other branch (Dependabot, Renovate, chore/…) → preview",
    `push to ${b.develop} → staging`,
    `push to ${b.release}X.Y.Z → staging, version X.Y.Z`,
    `push to ${b.main} → production (staged, promoted after checks)`,
    `push to ${b.hotfix}X.Y.Z → staging, version X.Y.Z`,
    `workflow_dispatch on ${b.hotfix}X.Y.Z, or with input version=X.Y.Z → production (staged), back-merge into ${b.develop}`,
  ];
}

function refusal(field: string, problem: string, b: BranchNames): InputError {
  const rules = describeRules(b)
    .map((r) => `  - ${r}`)
    .join("\n");
  return new InputError(field, `${problem}\ngarde deploys only these:\n${rules}`);
}

/** git check-ref-format, the parts that matter for a branch name we are handed. */
export function isWellFormedBranch(name: string): boolean {
  if (name.length === 0 || name.startsWith("/") || name.endsWith("/") || name.endsWith(".")) return false;
  if (name.includes("..") || name.includes("//") || name.includes("@{") || name.endsWith(".lock"))
    return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what git refuses
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name.split("/").every((part) => part.length > 0 && !part.startsWith("."));
}

function branchOf(ref: string, b: BranchNames): string {
  if (!ref.startsWith("refs/heads/")) {
    throw refusal(
      "ref",
      `The ref "${ref}" is not a branch (expected refs/heads/<branch>${ref.startsWith("refs/tags/") ? "; tags are not deployed" : ""}).`,
      b,
    );
  }
  const branch = ref.slice("refs/heads/".length);
  if (!isWellFormedBranch(branch))
    throw refusal("ref", `The ref "${ref}" is not a well-formed branch name.`, b);
  return branch;
}

function versionFrom(branch: string, prefix: string, field: string, b: BranchNames): string {
  const version = branch.slice(prefix.length);
  if (!VERSION.test(version)) {
    throw refusal(
      field,
      `The branch "${branch}" must be ${prefix}X.Y.Z with a numeric version, not "${version}".`,
      b,
    );
  }
  return version;
}

/** Which rule an event on a ref matches, as a plan; an event no rule deploys is refused with the rules. */
export function route(input: RouteInput): DeployPlan {
  const b = input.branches ?? defaultBranchNames;
  if (input.event === "pull_request" || input.event === "pull_request_target")
    return routePullRequest(input, b);
  if (input.event === "push") return routePush(branchOf(input.ref, b), b);
  if (input.event === "workflow_dispatch")
    return routeDispatch(branchOf(input.ref, b), input.inputs ?? {}, b);
  throw refusal("event", `The event "${input.event}" does not deploy.`, b);
}

/** A plan with no back-merge and no reason; production is staged, promoted after its checks. */
function planFor(environment: Environment, version: string | null, branch: string, rule: string): DeployPlan {
  return {
    environment,
    staged: environment === "production",
    version,
    backMergeInto: null,
    branch,
    rule,
    reason: null,
  };
}

/** Every pull request gets a preview of its head branch. */
function routePullRequest(input: RouteInput, b: BranchNames): DeployPlan {
  if (!PULL_REF.test(input.ref)) {
    throw refusal(
      "ref",
      `A pull_request ref must look like refs/pull/<number>/merge, not "${input.ref}".`,
      b,
    );
  }
  const head = input.headRef?.trim();
  if (!head)
    throw refusal("head-ref", "A pull_request needs its head branch (GITHUB_HEAD_REF, --head-ref).", b);
  if (!isWellFormedBranch(head))
    throw refusal("head-ref", `The head branch "${head}" is not well formed.`, b);
  if (head.startsWith(b.feature) && head.length > b.feature.length) {
    return planFor("preview", null, head, `pull_request from ${b.feature}*`);
  }
  // Every pull request gets a preview, as Vercel's own Git integration gives one: a reviewer
  // of a Renovate or chore/ branch wants to click through it as much as a feature's.
  return planFor("preview", null, head, "pull_request from another branch");
}

/** A push: feature → preview, develop / release / hotfix → staging, main → production. */
function routePush(branch: string, b: BranchNames): DeployPlan {
  if (branch.startsWith(b.feature) && branch.length > b.feature.length) {
    return planFor("preview", null, branch, `push to ${b.feature}*`);
  }
  if (branch === b.develop) {
    return planFor("staging", null, branch, `push to ${b.develop}`);
  }
  if (branch.startsWith(b.release)) {
    const version = versionFrom(branch, b.release, "ref", b);
    return planFor("staging", version, branch, `push to ${b.release}X.Y.Z`);
  }
  if (branch.startsWith(b.hotfix)) {
    const version = versionFrom(branch, b.hotfix, "ref", b);
    return planFor("staging", version, branch, `push to ${b.hotfix}X.Y.Z`);
  }
  if (branch === b.main) {
    return planFor("production", null, branch, `push to ${b.main}`);
  }
  throw refusal("ref", `No rule deploys a push to "${branch}".`, b);
}

/**
 * A dispatch deploys a hotfix to production: its version from the hotfix branch or the input
 * (agreeing when both are given), back-merged into develop once live.
 */
function routeDispatch(
  branch: string,
  inputs: Readonly<Record<string, string | undefined>>,
  b: BranchNames,
): DeployPlan {
  const given = inputs.version?.trim().replace(/^v/, "") || null;
  if (given !== null && !VERSION.test(given)) {
    throw refusal(
      "inputs.version",
      `The version input must be X.Y.Z (for example 2.0.1), not "${inputs.version}".`,
      b,
    );
  }
  const fromBranch = branch.startsWith(b.hotfix) ? versionFrom(branch, b.hotfix, "ref", b) : null;
  if (given && fromBranch && given !== fromBranch) {
    throw refusal(
      "inputs.version",
      `The version input ${given} disagrees with the branch "${branch}" (${fromBranch}); dispatch on the matching branch or fix the input.`,
      b,
    );
  }
  const version = given ?? fromBranch;
  if (version === null) {
    throw refusal(
      "inputs.version",
      `A workflow_dispatch on "${branch}" deploys to production only as a hotfix: dispatch on ${b.hotfix}X.Y.Z or give the input version.`,
      b,
    );
  }
  return {
    ...planFor("production", version, branch, `workflow_dispatch hotfix ${version}`),
    backMergeInto: b.develop,
    reason: inputs.reason?.trim() || null,
  };
}
