import { escapeHtml } from "../html.ts";
import {
  countsOf,
  hasChanges,
  nameOfUrn,
  type PropertyChange,
  type ResourceChange,
  type ResourceUpdate,
  type StackReview,
} from "./model.ts";

/** GitHub refuses an issue comment body longer than this ("Body is too long"). */
export const COMMENT_LIMIT = 65_536;
/** Properties listed per resource; the rest are counted. */
const DIFFS_PER_RESOURCE = 40;
const VALUE_CHARS = 200;

/** The hidden line a stack's comment is found again by, on every push. */
export const markerFor = (stack: string) => `<!-- garde:infra-review stack=${stack} -->`;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const code = (text: string) => `<code>${escapeHtml(text)}</code>`;
const value = (v: unknown) => code(clip(JSON.stringify(v) ?? "undefined", VALUE_CHARS));
const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

export interface CommentContext {
  /** The base revision the head was compared with, when garde plan --diff made the review. */
  base?: string | undefined;
  /** The head commit the comment describes. */
  head?: string | undefined;
  /** What computed the changes: "garde plan --diff" or "pulumi preview". */
  source?: string | undefined;
}

function countsTable(s: StackReview): string[] {
  const c = countsOf(s);
  return [
    "| Create | Update | Replace | Delete | Unchanged |",
    "|---:|---:|---:|---:|---:|",
    `| ${c.create} | ${c.update} | ${c.replace} | ${c.delete} | ${s.unchanged} |`,
  ];
}

function statusLine(s: StackReview, ctx: CommentContext): string {
  const base = ctx.base ? ` at ${code(ctx.base)}` : "";
  if (s.status === "added") return `New stack: it has no stack file${base}; everything in it is created.`;
  if (s.status === "removed")
    return `Stack removed: its stack file is gone; everything in it${base} is deleted.`;
  if (!hasChanges(s)) return `**No changes**${ctx.base ? ` from ${code(ctx.base)}` : ""}.`;
  return `Changes${ctx.base ? ` from ${code(ctx.base)}` : ""}, deletes and replaces first.`;
}

function policyLines(s: StackReview): string[] {
  if (s.policiesChecked === false)
    return ["**Policies**: not checked here (give the action garde plan --diff --json for them)."];
  if (!s.policies.length) return ["**Policies**: no violations."];
  const mandatory = s.policies.filter((p) => p.enforcement === "mandatory").length;
  const head =
    mandatory > 0
      ? `**Policies**: ✗ ${plural(mandatory, "mandatory violation")} block${mandatory === 1 ? "s" : ""} this change, ${s.policies.length - mandatory} advisory.`
      : `**Policies**: ${plural(s.policies.length, "advisory violation")}, none blocking.`;
  return [
    head,
    "",
    "| | Policy | Resource | Finding | Fix |",
    "|---|---|---|---|---|",
    ...s.policies.map(
      (p) =>
        `| ${p.enforcement === "mandatory" ? "✗" : "!"} | ${code(p.policy)} | ${p.resource ? code(p.resource) : ""} | ${escapeHtml(clip(p.message, 400))} | ${escapeHtml(clip(p.fix ?? "", 300))} |`,
    ),
  ];
}

function changeRow(d: PropertyChange): string {
  const old = d.kind === "add" ? "<i>(absent)</i>" : value(d.old);
  const now = d.kind === "delete" ? "<i>(removed)</i>" : value(d.new);
  return `| ${code(d.path)} | ${old} | ${now} |`;
}

function resourceItem(r: ResourceChange | ResourceUpdate): string {
  const title = `- ${code(r.type)} **${escapeHtml(nameOfUrn(r.urn))}**`;
  if (!("diffs" in r)) return `${title}\n`;
  const forced = r.replaceReasons?.length
    ? `, replaced because of ${r.replaceReasons.map(code).join(", ")}`
    : "";
  const rows = r.diffs.slice(0, DIFFS_PER_RESOURCE).map(changeRow);
  const more = r.diffs.length - rows.length;
  return [
    `${title}${forced}`,
    "",
    "  | Property | Before | After |",
    "  |---|---|---|",
    ...rows.map((row) => `  ${row}`),
    ...(more > 0 ? ["", `  … and ${plural(more, "more property")}`] : []),
    "",
  ].join("\n");
}

interface Section {
  title: string;
  open: boolean;
  items: (ResourceChange | ResourceUpdate)[];
}

/**
 * One stack's PR comment: the marker, the counts, the policy results, then the details (deletes
 * and replaces before updates and creates) in <details> blocks. Always under `limit`: once the
 * details would pass it, the rest is cut from the least important end (creates first) and a
 * line says how much was left out and where to see all of it.
 */
export function renderComment(s: StackReview, ctx: CommentContext = {}, limit = COMMENT_LIMIT): string {
  const head = [
    markerFor(s.stack),
    `### Infra review: ${code(s.stack)}`,
    "",
    statusLine(s, ctx),
    "",
    ...countsTable(s),
    "",
    ...policyLines(s),
    "",
    "",
  ].join("\n");
  const footer = `\n<sub>${escapeHtml(ctx.source ?? "garde plan --diff")}${ctx.base ? ` · base ${code(ctx.base)}` : ""}${ctx.head ? ` · head ${code(ctx.head.slice(0, 12))}` : ""} · edited in place on every push</sub>\n`;
  const sections: Section[] = [
    { title: "Deletes", open: true, items: s.deletes },
    { title: "Replaces", open: true, items: s.replaces },
    { title: "Updates", open: false, items: s.updates },
    { title: "Creates", open: false, items: s.creates },
  ];
  // Room kept for the line that says what was cut.
  const reserve = 400;
  let body = head;
  const leftOut: string[] = [];
  let full = false;
  for (const section of sections) {
    if (!section.items.length) continue;
    if (full) {
      leftOut.push(plural(section.items.length, section.title.toLowerCase().slice(0, -1)));
      continue;
    }
    const open = `<details${section.open ? " open" : ""}><summary>${section.title} (${section.items.length})</summary>\n\n`;
    const close = "\n</details>\n\n";
    let block = "";
    let kept = 0;
    for (const item of section.items) {
      const text = resourceItem(item);
      if (
        body.length + open.length + block.length + text.length + close.length + footer.length + reserve >
        limit
      ) {
        full = true;
        break;
      }
      block += text;
      kept++;
    }
    if (kept) body += open + block + close;
    if (kept < section.items.length)
      leftOut.push(plural(section.items.length - kept, section.title.toLowerCase().slice(0, -1)));
  }
  if (leftOut.length) {
    body += `> [!NOTE]\n> Left out to stay under GitHub's ${COMMENT_LIMIT.toLocaleString("en-US")}-character limit: ${leftOut.join(", ")}. Run \`garde plan --diff ${escapeHtml(ctx.base ?? "BASE")}\` to see every change.\n`;
  }
  const comment = body + footer;
  // The header and policy table alone can pass the limit only with absurd inputs; cut them hard then.
  return comment.length <= limit
    ? comment
    : `${comment.slice(0, limit - 80)}\n\n… (cut at GitHub's comment limit)\n`;
}
