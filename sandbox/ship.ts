import { parseDeployConfig } from "../actions/lib/deploy/config.ts";
import type { DeployResult } from "../actions/lib/deploy/deploy.ts";
import { type DeployRunOptions, planFor, runDeploy } from "../actions/lib/deploy/run.ts";
import type { RawInputs } from "../actions/lib/inputs.ts";

/**
 * Deploys the inputs' sha as a push to main does: staged, checked, promoted, recorded. The
 * sandbox, the benches and the tests ship their releases through it, the deploy action's path.
 */
export async function shipToProduction(inputs: RawInputs, opts: DeployRunOptions): Promise<DeployResult> {
  const config = parseDeployConfig(inputs);
  return runDeploy(config, planFor({ event: "push", ref: "refs/heads/main" }, config), opts);
}
