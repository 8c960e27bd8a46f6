import type { KubeConfig } from "@kubernetes/client-node";
import type { KubernetesAccess } from "../platform-inputs.ts";
import type { Clock, Reporter } from "../reporter.ts";
import type { RetryPolicy } from "../retry.ts";
import type { KubernetesWorkload } from "./kubernetes-workload.ts";

/**
 * The cluster a validated access names, through @kubernetes/client-node, loaded here on first use
 * (it is heavy): the deploy target, the Secret consumer and the runbook switches all start from it.
 */
export async function loadKubeConfig(access: KubernetesAccess): Promise<KubeConfig> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(access.kubeconfig);
  return kubeConfig;
}

/** The access's Deployment and what surrounds it, for the Secret consumer and the runbook switches. */
export async function connectWorkload(
  access: KubernetesAccess,
  ctx: { clock: Clock; reporter: Reporter; retry?: RetryPolicy | undefined },
): Promise<KubernetesWorkload> {
  const [kubeConfig, { KubernetesWorkload }] = await Promise.all([
    loadKubeConfig(access),
    import("./kubernetes-workload.ts"),
  ]);
  return new KubernetesWorkload({
    kubeConfig,
    namespace: access.namespace,
    deployment: access.deployment,
    clock: ctx.clock,
    reporter: ctx.reporter,
    retry: ctx.retry,
  });
}
