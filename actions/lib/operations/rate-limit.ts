import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { InputError } from "../errors.ts";
import type { KubernetesWorkload } from "../targets/kubernetes-workload.ts";
import {
  OPERATION_ANNOTATION,
  type OperationContext,
  type OperationOutcome,
  outcomeOf,
  recordOf,
} from "./record.ts";

export interface RateLimitOptions {
  configMap: string;
  /** The key holding the limit (global in the tenants runbook). */
  key: string;
  /** The pods re-read the ConfigMap by themselves: no restart needed. */
  reloads: boolean;
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
  const outcome = outcomeOf(
    {
      operation: "rate-limit",
      object: `configmap ${namespace}/${opts.configMap} key ${opts.key}`,
      before,
      after: value,
      undo: before === "(unset)" ? "remove the key by hand" : `garde rate-limit ${before} --reason "…"`,
    },
    ctx,
  );

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
  const restarted = await workload.restartReaders({ configMap: opts.configMap });
  return { ...outcome, rolledOut: restarted };
}
