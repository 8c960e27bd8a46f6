import type { EvaluatedStack } from "../actions/lib/review/diff-stacks.ts";

/** A plan's stacks as garde plan --diff compares them, from this revision's planStacks or an older one's. */
interface PlannedStack {
  stack: string;
  resources: { type: string; name: string; urn?: string; inputs: Record<string, unknown> }[];
}

export function evaluatedStacks(plans: readonly PlannedStack[]): EvaluatedStack[] {
  return plans.map((p) => ({
    stack: p.stack,
    resources: p.resources.map((r) => ({
      // Revisions before URNs were in the plan: the engine's URN without parents.
      urn: r.urn ?? `urn:pulumi:${p.stack}::garde::${r.type}::${r.name}`,
      type: r.type,
      inputs: r.inputs,
    })),
  }));
}
