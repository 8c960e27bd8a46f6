import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InputError } from "../actions/lib/errors.ts";
import { diffStacks, type EvaluatedStack } from "../actions/lib/review/diff-stacks.ts";
import { mandatoryOf, type Review, type ReviewPolicy } from "../actions/lib/review/model.ts";
import { formatReview } from "../actions/lib/review/text.ts";
import { StackConfigError } from "../infra/config.ts";
import { planStacks, type StackPlan, secretIdentity } from "../infra/plan.ts";
import { readStackFile, secretDigestsOf } from "../infra/stack-file.ts";
import { baseProgramRoot, checkoutBase, runChild } from "./base-revision.ts";
import { evaluatedStacks } from "./evaluated-stacks.ts";
import type { StackSelection, StackSource } from "./stack-sources.ts";

/** garde's own root: its infra program, and the node_modules a base checkout borrows. */
const GARDE_ROOT = resolve(import.meta.dirname, "..");
const EVALUATE = join(import.meta.dirname, "plan-evaluate.ts");
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

const policiesOf = (plan: StackPlan): ReviewPolicy[] =>
  plan.policies.violations.map((v) => ({
    policy: v.policy,
    enforcement: v.enforcement,
    severity: v.severity,
    resource: v.resource,
    message: v.message,
    fix: v.fix,
  }));

/** A side's stacks, each comparing secrets by the digest of its own stack file's ciphertext. */
function evaluated(
  stacks: { stack: string; resources: EvaluatedStack["resources"] }[],
  sources: StackSource[],
): EvaluatedStack[] {
  return stacks.map((s) => {
    const path = sources.find((x) => x.stack === s.stack)?.path;
    const digests = path ? secretDigestsOf(path) : {};
    return { ...s, secretIdentity: (value) => secretIdentity(value, digests) };
  });
}

/** What the infra program is made of, beside the stack files it evaluates. */
const PROGRAM_DIRS = ["infra", "policies", "actions/lib"];

/**
 * Whether the base revision evaluates with the very program this process runs: the installed one
 * (a product repository), or garde's own copy at BASE when none of its files changed since
 * (git diff against the working tree). Its stacks are then evaluated here, after the head's,
 * rather than in a child that starts Node, tsx and the SDK again: on 2 cores that child took
 * longer than the plan itself.
 */
function sameProgram(program: string, commit: string): boolean {
  if (program === GARDE_ROOT) return true;
  try {
    execFileSync("git", ["diff", "--quiet", commit, "--", ...PROGRAM_DIRS], {
      cwd: GARDE_ROOT,
      stdio: "ignore",
    });
    return true;
  } catch {
    return false; // changed (exit 1), or BASE is not a commit of garde's own repository
  }
}

const cannotEvaluate = (revision: string, commit: string, why: string) =>
  new InputError(
    "diff",
    `The stacks at ${revision} (${commit.slice(0, 12)}) do not evaluate, so there is nothing to compare with:\n${why}`,
  );

/** The base revision's stacks through this process's program, as the child would give them. */
async function evaluateHere(
  sources: StackSource[],
  revision: string,
  commit: string,
): Promise<EvaluatedStack[]> {
  try {
    return evaluatedStacks(await planStacks(sources.map((s) => readStackFile(s.path, s.stack))));
  } catch (err) {
    if (err instanceof StackConfigError) throw cannotEvaluate(revision, commit, err.message);
    throw err;
  }
}

/** The same selection, read in the base revision's tree. */
function baseSelection(opts: StackSelection, at: (path: string) => string): StackSelection {
  return {
    ...opts,
    cwd: at(opts.cwd),
    file: opts.file && at(resolve(opts.cwd, opts.file)),
    dir: opts.dir && at(resolve(opts.cwd, opts.dir)),
  };
}

/**
 * garde plan --diff BASE: the stacks evaluated at BASE and in the working tree under the same
 * mocks, then diffed by URN. BASE's stacks go through BASE's own program when garde is versioned
 * here and that program changed (in a child process, at the same time as the head's), else
 * through this process's (sameProgram). Exit 1 when a mandatory policy fails on
 * the head, 2 on a revision git does not know.
 */
export async function runPlanDiff(
  opts: StackSelection & { diff: string; json?: boolean | undefined },
  sourcesOf: (selection: StackSelection, atBase: boolean) => StackSource[],
): Promise<{ output: string; exitCode: number; review: Review }> {
  const headSources = sourcesOf(opts, false);
  const headFiles = headSources.map((s) => readStackFile(s.path, s.stack));
  const base = checkoutBase(opts.cwd, opts.diff);
  try {
    const baseSources = sourcesOf(baseSelection(opts, base.at), true);
    const program = baseProgramRoot(base, GARDE_ROOT);
    let headPlans: StackPlan[];
    let baseStacks: EvaluatedStack[];
    if (sameProgram(program, base.commit)) {
      headPlans = await planStacks(headFiles);
      baseStacks = await evaluateHere(baseSources, opts.diff, base.commit);
    } else {
      const child = runChild(EVALUATE, [program], JSON.stringify(baseSources), TSX);
      try {
        headPlans = await planStacks(headFiles);
      } catch (err) {
        child.kill();
        throw err;
      }
      const result = await child.done;
      if (result.code !== 0) throw cannotEvaluate(opts.diff, base.commit, result.stderr.trim());
      baseStacks = (JSON.parse(result.stdout) as { stacks: EvaluatedStack[] }).stacks;
    }
    const stacks = diffStacks(
      evaluated(baseStacks, baseSources),
      evaluated(
        headPlans.map((p) => ({ stack: p.stack, resources: p.resources })),
        headSources,
      ),
      (name) => {
        const plan = headPlans.find((p) => p.stack === name);
        return plan ? policiesOf(plan) : [];
      },
    );
    const review: Review = {
      base: opts.diff,
      baseCommit: base.commit,
      baseProgram: program === GARDE_ROOT ? "installed" : "revision",
      stacks,
    };
    const exitCode = stacks.some((s) => mandatoryOf(s).length) ? 1 : 0;
    const output = opts.json ? `${JSON.stringify(review, null, 2)}\n` : formatReview(review);
    return { output, exitCode, review };
  } finally {
    base.close();
  }
}
