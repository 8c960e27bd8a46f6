import { countsOf, nameOfUrn, type PropertyChange, type Review, type StackReview } from "./model.ts";

const json = (v: unknown) => {
  const text = JSON.stringify(v) ?? "undefined";
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
};

/** `path: old → new`, `path: (added) new`, `path: old (removed)`. */
export function describeChange(d: PropertyChange): string {
  if (d.kind === "add") return `${d.path}: (added) ${json(d.new)}`;
  if (d.kind === "delete") return `${d.path}: ${json(d.old)} (removed)`;
  return `${d.path}: ${json(d.old)} → ${json(d.new)}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The one-line count summary: create / update / replace / delete, then unchanged. */
export function countLine(s: StackReview): string {
  const c = countsOf(s);
  return `${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to delete, ${s.unchanged} unchanged`;
}

export function stackHeading(s: StackReview): string {
  const status =
    s.status === "added" ? " (new: not at base)" : s.status === "removed" ? " (removed: only at base)" : "";
  return `stack ${s.stack}${status}: ${countLine(s)}`;
}

/** One stack for a terminal: counts, policy results, then deletes and replaces before updates and creates. */
export function formatStackReview(s: StackReview): string {
  const lines = [stackHeading(s)];
  const mandatory = s.policies.filter((p) => p.enforcement === "mandatory").length;
  if (s.policies.length)
    lines.push(
      `  policies: ${plural(mandatory, "mandatory violation")}, ${s.policies.length - mandatory} advisory`,
    );
  for (const p of s.policies) {
    lines.push(
      `    ${p.enforcement === "mandatory" ? "✗" : "!"} [${p.enforcement}] ${p.policy}${p.resource ? ` on ${p.resource}` : ""}: ${p.message}`,
    );
    if (p.fix) lines.push(`        fix: ${p.fix}`);
  }
  for (const r of s.deletes) lines.push(`  - delete  ${r.type} ${nameOfUrn(r.urn)}`);
  for (const r of s.replaces) {
    lines.push(
      `  ± replace ${r.type} ${nameOfUrn(r.urn)}${r.replaceReasons?.length ? ` (forced by ${r.replaceReasons.join(", ")})` : ""}`,
    );
    for (const d of r.diffs) lines.push(`      ${describeChange(d)}`);
  }
  for (const r of s.updates) {
    lines.push(`  ~ update  ${r.type} ${nameOfUrn(r.urn)}`);
    for (const d of r.diffs) lines.push(`      ${describeChange(d)}`);
  }
  for (const r of s.creates) lines.push(`  + create  ${r.type} ${nameOfUrn(r.urn)}`);
  return lines.join("\n");
}

export function formatReview(review: Review): string {
  const base = review.baseCommit ? `${review.base} (${review.baseCommit.slice(0, 12)})` : review.base;
  const program =
    review.baseProgram === "revision"
      ? ", each side evaluated with its own infra program"
      : review.baseProgram === "installed"
        ? ", both evaluated with the installed infra program"
        : "";
  return `changes from ${base} to the working tree${program}\n\n${review.stacks.map(formatStackReview).join("\n\n")}\n`;
}
