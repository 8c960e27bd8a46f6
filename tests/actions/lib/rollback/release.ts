import type { Sandbox } from "../../../../sandbox/sandbox.ts";
import { shipToProduction } from "../../../../sandbox/ship.ts";
import { fastClock, fastRetry, recordingReporter } from "../../../helpers.ts";

/** Commits a release to main (its version in /api/status) and deploys it to production through the deploy core. */
export async function releaseTo(
  sandbox: Sandbox,
  version: string,
  files: Record<string, string | null> = {},
): Promise<string> {
  const sha = sandbox.app.commit(
    "main",
    { "public/api/status": `{"version":"${version}"}`, ...files },
    `Release ${version}`,
    "main",
  );
  const result = await shipToProduction(
    sandbox.inputs({ sha, "smoke-config-inline": "checks: [{ path: / }]" }),
    { reporter: recordingReporter(), clock: fastClock(), retry: fastRetry, env: {} },
  );
  return result.deploymentId;
}
