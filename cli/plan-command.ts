import { InputError } from "../actions/lib/errors.ts";
import { formatPlan, mandatoryViolations, planJson, planStacks, validatedConfig } from "../infra/plan.ts";
import { policyPackConfig } from "../infra/policy-config.ts";
import { readStackFile, type StackFile } from "../infra/stack-file.ts";
import { type StackSelection, type StackSource, stackSources } from "./stack-sources.ts";

const readSources = (sources: StackSource[]) => sources.map((s) => readStackFile(s.path, s.stack));

export interface PlanOptions extends StackSelection {
  json?: boolean | undefined;
  /** A git revision: print what the working tree changes from it instead of the inventory. */
  diff?: string | undefined;
  policyPackConfig?: boolean | undefined;
}

/** The plan's text or JSON, and its exit code: 1 when a stack breaks a mandatory policy. */
export async function runPlan(opts: PlanOptions): Promise<{ output: string; exitCode: number }> {
  if (opts.diff !== undefined) {
    if (opts.policyPackConfig)
      throw new InputError("diff", "--diff and --policy-pack-config do not go together: give one");
    if (!opts.diff.trim())
      throw new InputError("diff", "--diff needs a git revision, e.g. --diff origin/main");
    const { runPlanDiff } = await import("./plan-diff.ts");
    return runPlanDiff({ ...opts, diff: opts.diff }, stackSources);
  }
  const files = readSources(stackSources(opts));
  if (opts.policyPackConfig) {
    if (files.length !== 1)
      throw new InputError(
        "policy-pack-config",
        `prints one stack's pack config; ${files.length} stacks were chosen: give --stack NAME or --file FILE`,
      );
    const config = policyPackConfig(validatedConfig(files[0] as StackFile));
    return { output: `${JSON.stringify(config, null, 2)}\n`, exitCode: 0 };
  }
  const plans = await planStacks(files);
  const exitCode = mandatoryViolations(plans).length ? 1 : 0;
  if (opts.json) return { output: planJson(plans), exitCode };
  return { output: `${plans.map(formatPlan).join("\n\n")}\n`, exitCode };
}
