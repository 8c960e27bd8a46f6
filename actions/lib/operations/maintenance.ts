import type { V1Container, V1Deployment } from "@kubernetes/client-node";
import { InputError } from "../errors.ts";
import { CHANGE_CAUSE } from "../targets/kubernetes.ts";
import type { KubernetesWorkload } from "../targets/kubernetes-workload.ts";
import {
  OPERATION_ANNOTATION,
  type OperationContext,
  type OperationOutcome,
  outcomeOf,
  recordOf,
} from "./record.ts";

export interface MaintenanceOptions {
  /** The variable the app reads (READ_ONLY_MODE in the tenants runbook). */
  variable: string;
  /** The container that reads it (default: the first). */
  container?: string | undefined;
}

function containerOf(d: V1Deployment, name: string | undefined, where: string): V1Container {
  const containers = d.spec?.template?.spec?.containers ?? [];
  const found = name ? containers.find((c) => c.name === name) : containers[0];
  if (!found)
    throw new InputError(
      "kubernetes-container",
      `${where} has no container ${name ?? "at all"}; check --container`,
    );
  return found;
}

/**
 * `kubectl set env deployment/api-server READ_ONLY_MODE=true`, made safe: idempotent (already on
 * is no write and no rollout), recorded on the Deployment, and done only once the rollout is.
 */
export async function setMaintenance(
  workload: KubernetesWorkload,
  on: boolean,
  opts: MaintenanceOptions,
  ctx: OperationContext,
): Promise<OperationOutcome> {
  const wanted = on ? "true" : "false";
  let before = "false";
  const { deployment, changed } = await workload.update(workload.opts.deployment, (d) => {
    const container = containerOf(d, opts.container, workload.where());
    const env = container.env ?? [];
    const current = env.find((e) => e.name === opts.variable);
    before = current?.value ?? "false";
    if (current?.value === wanted && !current.valueFrom) return false;
    container.env = [...env.filter((e) => e.name !== opts.variable), { name: opts.variable, value: wanted }];
    d.metadata = {
      ...d.metadata,
      annotations: {
        ...d.metadata?.annotations,
        [OPERATION_ANNOTATION]: recordOf("maintenance", `${opts.variable}=${wanted}`, ctx),
        [CHANGE_CAUSE]: `garde maintenance ${on ? "on" : "off"} by ${ctx.actor}: ${ctx.reason}`,
      },
    };
    return true;
  });
  if (changed) await workload.waitRollout(deployment.metadata?.generation ?? 0);
  return outcomeOf(
    {
      operation: "maintenance",
      object: workload.where(),
      before: `${opts.variable}=${before}`,
      after: `${opts.variable}=${wanted}`,
      // A value set through valueFrom counts as a change even when it reads the same.
      changed,
      rolledOut: changed,
      undo: `garde maintenance ${on ? "off" : "on"} --reason "…"`,
    },
    ctx,
  );
}
