import * as core from "@actions/core";
import { branchNamesSchema, route } from "../lib/deploy/gitflow.ts";
import { errorMessage, exitCodeFor } from "../lib/errors.ts";
import { parseInputs } from "../lib/inputs.ts";
import { announcePlan, runnerEvent } from "../shared/runner-event.ts";

/**
 * Where this event deploys under the GitFlow rules, before any job deploys: a workflow needs the
 * environment to pick its GitHub environment (reviewers) and its concurrency group.
 */
export async function run(): Promise<void> {
  try {
    // The deploy action's input names for the branch rules.
    const branches = parseInputs(
      branchNamesSchema,
      {
        feature: core.getInput("feature-prefix"),
        release: core.getInput("release-prefix"),
        hotfix: core.getInput("hotfix-prefix"),
        develop: core.getInput("develop-branch"),
        main: core.getInput("main-branch"),
      },
      "branch names",
    );
    const plan = route({ ...runnerEvent(), branches });
    announcePlan(plan);
    core.setOutput("branch", plan.branch);
    core.setOutput("rule", plan.rule);
    core.setOutput("back-merge-into", plan.backMergeInto ?? "");
  } catch (err) {
    core.setFailed(errorMessage(err));
    process.exitCode = exitCodeFor(err);
  }
}
