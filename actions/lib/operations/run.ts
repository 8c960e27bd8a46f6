import { writeFileSync } from "node:fs";
import type { Clock, Reporter } from "../reporter.ts";
import type { OperationConfig } from "./inputs.ts";
import type { OperationContext, OperationOutcome } from "./record.ts";

export interface OperationResult {
  /** The switch's outcome (who, why, when, before → after, undo); null for a snapshot. */
  outcome: OperationOutcome | null;
  snapshot: { path: string; configMaps: number; secrets: number } | null;
}

/** The file a snapshot goes to when none is named: the runbook's configs-DATE.yaml. */
export const defaultSnapshotPath = (now: Date) => `configs-${now.toISOString().slice(0, 10)}.yaml`;

/**
 * One runbook switch on the cluster, as the kubernetes action runs it: maintenance, rate-limit,
 * switch-traffic or snapshot-config.
 */
export async function runOperation(
  config: OperationConfig,
  ctx: { reporter: Reporter; clock: Clock; actor: string; now: Date },
): Promise<OperationResult> {
  const { inputs, access } = config;
  const { connectWorkload } = await import("../targets/kubernetes-connect.ts");
  const workload = await connectWorkload(access, ctx);
  const op: OperationContext = { actor: ctx.actor, reason: inputs.reason ?? "", now: ctx.now };
  const value = inputs.value ?? "";
  switch (inputs.operation) {
    case "maintenance": {
      const { setMaintenance } = await import("./maintenance.ts");
      const options = { variable: inputs.variable, container: access.container };
      return { outcome: await setMaintenance(workload, value === "on", options, op), snapshot: null };
    }
    case "rate-limit": {
      const { setRateLimit } = await import("./rate-limit.ts");
      const options = { configMap: inputs["config-map"], key: inputs.key, reloads: inputs.reloads };
      return { outcome: await setRateLimit(workload, value, options, op), snapshot: null };
    }
    case "switch-traffic": {
      const { switchTraffic } = await import("./switch-traffic.ts");
      const options = { service: access.service, label: inputs.label };
      return { outcome: await switchTraffic(workload, value, options, op), snapshot: null };
    }
    case "snapshot-config": {
      const { snapshotConfig } = await import("./snapshot.ts");
      const snapshot = await snapshotConfig(workload, ctx.now);
      const path = inputs.out ?? defaultSnapshotPath(ctx.now);
      writeFileSync(path, snapshot.yaml);
      ctx.reporter.info(
        `${snapshot.configMaps} ConfigMaps and ${snapshot.secrets} Secret names written to ${path}`,
      );
      return {
        outcome: null,
        snapshot: { path, configMaps: snapshot.configMaps, secrets: snapshot.secrets },
      };
    }
  }
}
