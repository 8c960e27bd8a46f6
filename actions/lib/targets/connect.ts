import { GitHubDeployments } from "../deploy/github-deployments.ts";
import type { PlatformConfig } from "../platform-inputs.ts";
import type { Clock, Reporter } from "../reporter.ts";
import type { RetryPolicy } from "../retry.ts";
import { LazyTarget } from "./lazy.ts";
import type { DeployTarget } from "./target.ts";

/** The production adapters for a validated config: the deploy target and the GitHub records. */
export function connectPlatform(
  config: PlatformConfig,
  ctx: { clock: Clock; reporter: Reporter; retry: RetryPolicy },
): { target: DeployTarget; github: GitHubDeployments } {
  const target = new LazyTarget("vercel", async () => {
    const { VercelTarget } = await import("./vercel.ts");
    return new VercelTarget({
      token: config.vercel.token,
      project: config.vercel.project,
      teamId: config.vercel.teamId,
      apiUrl: config.vercel.apiUrl,
      repository: config.github.repository,
      ...ctx,
    });
  });
  const github = new GitHubDeployments({
    token: config.github.token,
    apiUrl: config.github.apiUrl,
    repository: config.github.repository,
    ...ctx,
  });
  return { target, github };
}
