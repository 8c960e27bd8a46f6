import { PatchStrategy, setHeaderOptions, type V1Deployment } from "@kubernetes/client-node";
import { InputError } from "../errors.ts";
import type { KubernetesWorkload } from "../targets/kubernetes-workload.ts";
import { OPERATION_ANNOTATION, type OperationContext, type OperationOutcome, recordOf } from "./record.ts";

export interface RateLimitOptions {
  configMap: string;
  /** The key holding the limit (global in the tenants runbook). */
  key: string;
  /** The pods re-read the ConfigMap by themselves: no restart needed. */
  reloads: boolean;
}

/** The Deployment's containers take the ConfigMap at start, through env or envFrom. */
function readsConfigMap(d: V1Deployment, name: string): boolean {
  return (d.spec?.template?.spec?.containers ?? []).some(
    (c) =>
      (c.env ?? []).some((e) => e.valueFrom?.configMapKeyRef?.name === name) ||
      (c.envFrom ?? []).some((e) => e.configMapRef?.name === name),
  );
}

/**
 * `kubectl patch configmap rate-limits -p '{"data":{"global":"100"}}'` under attack, made safe: a
 * merge patch of one key (same value: no write), recorded on the ConfigMap, then a restart of the
 * Deployment's pods (as `kubectl rollout restart`) when they read it only at start.
 */
export async function setRateLimit(
  workload: KubernetesWorkload,
  value: string,
  opts: RateLimitOptions,
  ctx: OperationContext,
): Promise<OperationOutcome> {
  if (!/^\d+$/.test(value)) {
    throw new InputError(
      "limit",
      `the rate limit must be a whole number of requests, got ${JSON.stringify(value)}`,
    );
  }
  const namespace = workload.namespace;
  const cm = await workload.call(`read configmap ${namespace}/${opts.configMap}`, () =>
    workload.core.readNamespacedConfigMap({ name: opts.configMap, namespace }),
  );
  const before = cm.data?.[opts.key] ?? "(unset)";
  const outcome: OperationOutcome = {
    operation: "rate-limit",
    object: `configmap ${namespace}/${opts.configMap} key ${opts.key}`,
    before,
    after: value,
    changed: before !== value,
    rolledOut: false,
    actor: ctx.actor,
    reason: ctx.reason,
    at: ctx.now.toISOString(),
    undo: before === "(unset)" ? "remove the key by hand" : `garde rate-limit ${before} --reason "…"`,
  };
  if (!outcome.changed) return outcome;
  await workload.call(`patch configmap ${namespace}/${opts.configMap}`, () =>
    workload.core.patchNamespacedConfigMap(
      {
        name: opts.configMap,
        namespace,
        body: {
          metadata: {
            annotations: { [OPERATION_ANNOTATION]: recordOf("rate-limit", `${opts.key}=${value}`, ctx) },
          },
          data: { [opts.key]: value },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    ),
  );
  if (opts.reloads) return outcome;
  const { deployment, changed } = await workload.update(workload.opts.deployment, (d) => {
    if (!readsConfigMap(d, opts.configMap)) return false;
    const template = d.spec?.template ?? {};
    template.metadata = {
      ...template.metadata,
      annotations: {
        ...template.metadata?.annotations,
        "kubectl.kubernetes.io/restartedAt": ctx.now.toISOString(),
      },
    };
    return true;
  });
  if (changed) await workload.waitRollout(deployment.metadata?.generation ?? 0);
  return { ...outcome, rolledOut: changed };
}
