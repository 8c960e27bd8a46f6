/**
 * What each runbook switch leaves behind: who changed what, why and when, as an annotation on the
 * object it changed (`kubectl get … -o yaml` shows it) and as a row of the job summary.
 */
export const OPERATION_ANNOTATION = "garde.dev/last-operation";

export interface OperationContext {
  actor: string;
  reason: string;
  now: Date;
}

export interface OperationOutcome {
  operation: "maintenance" | "rate-limit" | "switch-traffic";
  /** What was changed: deployment production/api-server, configmap production/rate-limits, … */
  object: string;
  before: string;
  after: string;
  /** False when it already was so: nothing was written, nothing rolled out. */
  changed: boolean;
  /** Pods restarted or rolled out for the change to take effect. */
  rolledOut: boolean;
  actor: string;
  reason: string;
  at: string;
  /** The command that puts it back. */
  undo: string;
}

/** An outcome: changed when after differs from before, unless the caller knows better; who, why and when from ctx. */
export function outcomeOf(
  fields: Pick<OperationOutcome, "operation" | "object" | "before" | "after" | "undo"> &
    Partial<Pick<OperationOutcome, "changed" | "rolledOut">>,
  ctx: OperationContext,
): OperationOutcome {
  return {
    changed: fields.before !== fields.after,
    rolledOut: false,
    ...fields,
    actor: ctx.actor,
    reason: ctx.reason,
    at: ctx.now.toISOString(),
  };
}

export function recordOf(
  operation: OperationOutcome["operation"],
  value: string,
  ctx: OperationContext,
): string {
  return JSON.stringify({
    operation,
    value,
    actor: ctx.actor,
    reason: ctx.reason,
    at: ctx.now.toISOString(),
  });
}

/** The summary rows, for the CLI, the job summary and the story. */
export function operationRows(o: OperationOutcome): string[][] {
  return [
    ["Operation", o.operation],
    ["Object", o.object],
    ["Change", o.changed ? `${o.before} → ${o.after}` : `already ${o.after}: nothing changed`],
    ["Rolled out", o.rolledOut ? "yes, waited for the rollout" : "no"],
    ["Who, why, when", `${o.actor}: ${o.reason} (${o.at})`],
    ["Undo", o.undo],
  ];
}
