import {
  hasChanges,
  type ResourceChange,
  type ResourceUpdate,
  type ReviewPolicy,
  type StackReview,
} from "./model.ts";
import { diffInputs } from "./property-diff.ts";
import { forcesReplacement } from "./replacement.ts";

export interface EvaluatedResource {
  urn: string;
  type: string;
  inputs: Record<string, unknown>;
}

/** One stack as garde plan evaluated it at one revision. */
export interface EvaluatedStack {
  stack: string;
  resources: EvaluatedResource[];
  /** What a secret's stand-in holds on this side (see InputDiffOptions.secretIdentity). */
  secretIdentity?: (value: unknown) => string;
}

const byUrn = (a: { urn: string }, b: { urn: string }) => a.urn.localeCompare(b.urn);

/**
 * The change from base to head for one stack, matched by URN as the engine matches state: a
 * URN only in head is created, only in base deleted; in both, each changed input by path, and
 * replaced when one of them forces replacement. A stack on one side only is added or removed.
 */
export function diffStack(
  stack: string,
  base: EvaluatedStack | undefined,
  head: EvaluatedStack | undefined,
  policies: ReviewPolicy[] = [],
): StackReview {
  const before = new Map((base?.resources ?? []).map((r) => [r.urn, r]));
  const after = new Map((head?.resources ?? []).map((r) => [r.urn, r]));
  const creates: ResourceChange[] = [];
  const deletes: ResourceChange[] = [];
  const updates: ResourceUpdate[] = [];
  const replaces: ResourceUpdate[] = [];
  let unchanged = 0;
  for (const [urn, now] of after) {
    const old = before.get(urn);
    if (!old) {
      creates.push({ urn, type: now.type });
      continue;
    }
    const diffs = diffInputs(old.inputs, now.inputs, {
      secretIdentity: (value, side) =>
        (side === "old" ? base?.secretIdentity : head?.secretIdentity)?.(value) ?? JSON.stringify(value),
    });
    if (!diffs.length) {
      unchanged++;
      continue;
    }
    const replaceReasons = diffs.filter((d) => forcesReplacement(now.type, d.path)).map((d) => d.path);
    if (replaceReasons.length) replaces.push({ urn, type: now.type, diffs, replaceReasons });
    else updates.push({ urn, type: now.type, diffs });
  }
  for (const [urn, old] of before) if (!after.has(urn)) deletes.push({ urn, type: old.type });
  const review: StackReview = {
    stack,
    status: "unchanged",
    creates: creates.sort(byUrn),
    updates: updates.sort(byUrn),
    replaces: replaces.sort(byUrn),
    deletes: deletes.sort(byUrn),
    unchanged,
    policies,
  };
  review.status = !base ? "added" : !head ? "removed" : hasChanges(review) ? "changed" : "unchanged";
  return review;
}

/** Every stack on either side, in name order. */
export function diffStacks(
  base: EvaluatedStack[],
  head: EvaluatedStack[],
  policiesOf: (stack: string) => ReviewPolicy[] = () => [],
): StackReview[] {
  const names = [...new Set([...base.map((s) => s.stack), ...head.map((s) => s.stack)])].sort();
  return names.map((name) =>
    diffStack(
      name,
      base.find((s) => s.stack === name),
      head.find((s) => s.stack === name),
      policiesOf(name),
    ),
  );
}
