import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { CheckFailedError, InputError } from "../errors.ts";
import type { KubernetesWorkload } from "../targets/kubernetes-workload.ts";
import {
  OPERATION_ANNOTATION,
  type OperationContext,
  type OperationOutcome,
  outcomeOf,
  recordOf,
} from "./record.ts";

export interface SwitchTrafficOptions {
  service: string;
  /** The selector label that names a version (version in the tenants runbook). */
  label: string;
}

const isReady = (conditions: { type: string; status: string }[] | undefined) =>
  (conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * `kubectl patch service api-gateway -p '{"spec":{"selector":{"version":"v2"}}}'`, made safe: refused
 * when no ready pod would answer behind the new selector (the gateway would go dark), idempotent,
 * recorded on the Service.
 */
export async function switchTraffic(
  workload: KubernetesWorkload,
  version: string,
  opts: SwitchTrafficOptions,
  ctx: OperationContext,
): Promise<OperationOutcome> {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(version)) {
    throw new InputError(
      "version",
      `${JSON.stringify(version)} is not a label value; give the version pods are labelled with (v2)`,
    );
  }
  const namespace = workload.namespace;
  const service = await workload.readService(opts.service);
  const selector = { ...service.spec?.selector };
  const before = selector[opts.label] ?? "(none)";
  const outcome = outcomeOf(
    {
      operation: "switch-traffic",
      object: `service ${namespace}/${opts.service} selector ${opts.label}`,
      before,
      after: version,
      undo: `garde switch-traffic ${before} --reason "…"`,
    },
    ctx,
  );

  if (!outcome.changed) return outcome;
  const wanted = { ...selector, [opts.label]: version };
  const labelSelector = Object.entries(wanted)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const pods = await workload.call(`list pods ${labelSelector}`, () =>
    workload.core.listNamespacedPod({ namespace, labelSelector }),
  );
  const ready = pods.items.filter((p) => isReady(p.status?.conditions)).length;
  if (ready === 0) {
    throw new CheckFailedError(
      `Refused to switch ${opts.service} to ${opts.label}=${version}: no ready pod matches ${labelSelector} (${pods.items.length} pods, 0 ready), so the gateway would answer nothing. Deploy ${version} first; traffic still goes to ${opts.label}=${before}.`,
    );
  }
  await workload.call(`patch service ${namespace}/${opts.service}`, () =>
    workload.core.patchNamespacedService(
      {
        name: opts.service,
        namespace,
        body: {
          metadata: {
            annotations: {
              [OPERATION_ANNOTATION]: recordOf("switch-traffic", `${opts.label}=${version}`, ctx),
            },
          },
          spec: { selector: { [opts.label]: version } },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    ),
  );
  return outcome;
}
