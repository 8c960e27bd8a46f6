/**
 * What a pull request changes in each stack, as garde plan --diff computes it offline and as a
 * real `pulumi preview --json` reports it: one model, so the PR comment reads the same either way.
 */

/** One changed input: its property path as Pulumi writes it (`a.b[0].c`), old → new. */
export interface PropertyChange {
  path: string;
  /** add: absent before; delete: absent now; update: both present. */
  kind: "add" | "delete" | "update";
  /** Omitted when absent. Secret values are the string "[secret]", never their content. */
  old?: unknown;
  new?: unknown;
}

export interface ResourceChange {
  urn: string;
  type: string;
}

export interface ResourceUpdate extends ResourceChange {
  diffs: PropertyChange[];
  /** Replaces only: the changed inputs that force the provider to replace the resource. */
  replaceReasons?: string[];
}

/** A policy violation on the head revision, as garde's pack reports it. */
export interface ReviewPolicy {
  policy: string;
  enforcement: "mandatory" | "advisory" | "remediate" | "disabled";
  severity?: string | undefined;
  resource?: string | undefined;
  message: string;
  fix?: string | undefined;
}

export interface StackReview {
  stack: string;
  /** added or removed: the stack file exists on one side only. */
  status: "changed" | "unchanged" | "added" | "removed";
  creates: ResourceChange[];
  updates: ResourceUpdate[];
  replaces: ResourceUpdate[];
  deletes: ResourceChange[];
  unchanged: number;
  policies: ReviewPolicy[];
  /** False when nothing checked the policies (a preview given without garde's plan). */
  policiesChecked?: boolean | undefined;
}

export interface Review {
  /** The base revision as given (origin/main), and the commit it named. */
  base: string;
  baseCommit?: string | undefined;
  /** Which infra program evaluated the base: its own (garde versioned in the repo) or the installed one. */
  baseProgram?: "revision" | "installed" | undefined;
  stacks: StackReview[];
}

/** The four counts a reviewer reads first, in the order the comment prints them. */
export function countsOf(s: StackReview) {
  return {
    create: s.creates.length,
    update: s.updates.length,
    replace: s.replaces.length,
    delete: s.deletes.length,
  };
}

export const hasChanges = (s: StackReview) =>
  s.creates.length + s.updates.length + s.replaces.length + s.deletes.length > 0;

export const mandatoryOf = (s: StackReview) => s.policies.filter((p) => p.enforcement === "mandatory");

/** A resource's name: the last segment of its URN. */
export const nameOfUrn = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
