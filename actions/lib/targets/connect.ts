import { GitHubDeployments } from "../deploy/github-deployments.ts";
import type { KubernetesAccess, PlatformConfig, VercelAccess } from "../platform-inputs.ts";
import type { Clock, Reporter } from "../reporter.ts";
import type { RetryPolicy } from "../retry.ts";
import { LazyTarget } from "./lazy.ts";
import type { DeployTarget } from "./target.ts";

export interface ConnectContext {
  clock: Clock;
  reporter: Reporter;
  retry: RetryPolicy;
  /** Kubernetes: how long a rollout may take, and who, for the change-cause annotation. */
  rolloutTimeoutMs?: number | undefined;
  actor?: string | undefined;
}

/** The deploy target a validated config names, built on first use (each platform's client is heavy). */
function targetFor(
  access: VercelAccess | KubernetesAccess,
  repository: string,
  ctx: ConnectContext,
): DeployTarget {
  if (access.platform === "vercel") {
    return new LazyTarget("vercel", async () => {
      const { VercelTarget } = await import("./vercel.ts");
      return new VercelTarget({
        token: access.token,
        project: access.project,
        teamId: access.teamId,
        apiUrl: access.apiUrl,
        repository,
        ...ctx,
      });
    });
  }
  return new LazyTarget("kubernetes", async () => {
    const [{ loadKubeConfig }, { KubernetesTarget }] = await Promise.all([
      import("./kubernetes-connect.ts"),
      import("./kubernetes.ts"),
    ]);
    const kubeConfig = await loadKubeConfig(access);
    return new KubernetesTarget({
      kubeConfig,
      namespace: access.namespace,
      deployment: access.deployment,
      service: access.service,
      container: access.container,
      imageTemplate: access.imageTemplate,
      clock: ctx.clock,
      reporter: ctx.reporter,
      rolloutTimeoutMs: ctx.rolloutTimeoutMs,
      actor: ctx.actor,
      retry: ctx.retry,
    });
  });
}

/** The production adapters for a validated config: the deploy target and the GitHub records. */
export function connectPlatform(
  config: PlatformConfig,
  ctx: ConnectContext,
): { target: DeployTarget; github: GitHubDeployments } {
  const target = targetFor(config.target, config.github.repository, ctx);
  const github = new GitHubDeployments({
    token: config.github.token,
    apiUrl: config.github.apiUrl,
    repository: config.github.repository,
    clock: ctx.clock,
    reporter: ctx.reporter,
    retry: ctx.retry,
  });
  return { target, github };
}
