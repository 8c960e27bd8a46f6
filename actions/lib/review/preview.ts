import * as z from "zod";
import { InputError } from "../errors.ts";
import {
  hasChanges,
  type PropertyChange,
  type ResourceChange,
  type ResourceUpdate,
  type StackReview,
} from "./model.ts";
import { diffInputs, shown } from "./property-diff.ts";

/**
 * `pulumi preview --json` as the CLI prints it (display.PreviewDigest in pulumi/pulumi): steps
 * with the old and new state, the properties that differ and those that force replacement.
 * Secrets are already "[secret]" there. Policy violations are not in it (the CLI leaves policy
 * events out of the digest), so a preview review carries garde's own policy results, if any.
 */
const state = z
  .object({
    type: z.string().optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

const step = z
  .object({
    op: z.string(),
    urn: z.string(),
    oldState: state.nullish(),
    newState: state.nullish(),
    diffReasons: z.array(z.string()).nullish(),
    replaceReasons: z.array(z.string()).nullish(),
    detailedDiff: z
      .record(z.string(), z.object({ kind: z.string(), inputDiff: z.boolean().optional() }).loose())
      .nullish(),
  })
  .loose();

export const previewDigestSchema = z
  .object({
    steps: z.array(step).nullish(),
    changeSummary: z.record(z.string(), z.number()).nullish(),
  })
  .loose();
export type PreviewDigest = z.infer<typeof previewDigestSchema>;
type Step = z.infer<typeof step>;

const ROOT_STACK = "pulumi:pulumi:Stack";

/** `a.b[0]["x.y"]` → ["a", "b", 0, "x.y"]: Pulumi's property path syntax. */
export function parsePropertyPath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) parts.push(m[1]);
    else if (m[2] !== undefined) parts.push(Number(m[2]));
    else if (m[3] !== undefined) parts.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return parts;
}

function valueAt(root: unknown, path: string): unknown {
  let v = root;
  for (const part of parsePropertyPath(path)) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[part];
  }
  return v;
}

const typeOfStep = (s: Step) =>
  s.newState?.type ?? s.oldState?.type ?? s.urn.split("::")[2]?.split("$").at(-1) ?? "";

/** The inputs (or, for output diffs, the old outputs) a changed path reads from. */
function changeAt(s: Step, path: string, kind: string, inputDiff: boolean | undefined): PropertyChange {
  const oldRoot = inputDiff === false ? (s.oldState?.outputs ?? s.oldState?.inputs) : s.oldState?.inputs;
  const old = valueAt(oldRoot, path) ?? valueAt(s.oldState?.inputs, path);
  const now = valueAt(s.newState?.inputs, path);
  const base = kind.replace(/-replace$/, "");
  const out: PropertyChange = {
    path,
    kind: base === "add" ? "add" : base === "delete" ? "delete" : "update",
  };
  if (old !== undefined && base !== "add") out.old = shown(old);
  if (now !== undefined && base !== "delete") out.new = shown(now);
  return out;
}

/** The changed properties of an update or replace: the detailed diff, else the diff reasons. */
function diffsOf(s: Step): PropertyChange[] {
  if (s.detailedDiff && Object.keys(s.detailedDiff).length) {
    return Object.entries(s.detailedDiff)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, d]) => changeAt(s, path, d.kind, d.inputDiff));
  }
  const reasons = [...new Set([...(s.replaceReasons ?? []), ...(s.diffReasons ?? [])])].sort();
  return reasons.flatMap((key) => {
    const old = s.oldState?.inputs?.[key];
    const now = s.newState?.inputs?.[key];
    // Output-only reasons (a provider's computed id, a hash) have no input to show.
    if (old === undefined && now === undefined && !(s.replaceReasons ?? []).includes(key)) return [];
    const leaves = diffInputs({ [key]: old }, { [key]: now });
    return leaves.length ? leaves : [changeAt(s, key, "update", true)];
  });
}

function replaceReasonsOf(s: Step): string[] {
  const fromDetail = Object.entries(s.detailedDiff ?? {})
    .filter(([, d]) => d.kind.endsWith("-replace"))
    .map(([path]) => path);
  return [...new Set([...(s.replaceReasons ?? []), ...fromDetail])].sort();
}

/** The stack a preview ran on: the second field of every URN (`urn:pulumi:STACK::project::…`). */
export function stackOfPreview(digest: PreviewDigest): string | undefined {
  return digest.steps?.map((s) => s.urn.split("::")[0]?.split(":")[2]).find(Boolean);
}

/**
 * A real preview, rendered into the same per-stack model as garde plan --diff. Replacement steps
 * (replace, create-replacement, delete-replaced) count once per resource; reads and sames
 * only count as unchanged; the root stack is not a resource here, as it is not in garde plan.
 */
export function reviewFromPreview(json: unknown, source: string, stackName?: string): StackReview {
  const parsed = previewDigestSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError(
      "previews",
      `${source} is not pulumi preview --json output (${parsed.error.issues[0]?.path.join(".") || "document"}: ${parsed.error.issues[0]?.message}): run pulumi preview --json > FILE`,
    );
  }
  const digest = parsed.data;
  const stack = stackName ?? stackOfPreview(digest);
  if (!stack) {
    throw new InputError(
      "previews",
      `${source}: no step names its stack; give it as STACK=${source} in the previews input`,
    );
  }
  const creates: ResourceChange[] = [];
  const deletes: ResourceChange[] = [];
  const updates: ResourceUpdate[] = [];
  const replaces = new Map<string, ResourceUpdate>();
  let sames = 0;
  let rootSame = false;
  for (const s of digest.steps ?? []) {
    const type = typeOfStep(s);
    if (type === ROOT_STACK) {
      rootSame ||= s.op === "same";
      continue;
    }
    if (s.op === "create" || s.op === "import") creates.push({ urn: s.urn, type });
    else if (s.op === "delete") deletes.push({ urn: s.urn, type });
    else if (s.op === "update") updates.push({ urn: s.urn, type, diffs: diffsOf(s) });
    else if (["replace", "create-replacement", "delete-replaced"].includes(s.op)) {
      const seen = replaces.get(s.urn);
      if (!seen || (!seen.diffs.length && s.op === "replace"))
        replaces.set(s.urn, { urn: s.urn, type, diffs: diffsOf(s), replaceReasons: replaceReasonsOf(s) });
    } else if (s.op === "same") sames++;
  }
  const same = digest.changeSummary?.same ?? sames + (rootSame ? 1 : 0);
  const review: StackReview = {
    stack,
    status: "unchanged",
    creates,
    updates,
    replaces: [...replaces.values()],
    deletes,
    unchanged: Math.max(0, same - (rootSame ? 1 : 0)),
    policies: [],
  };
  if (hasChanges(review)) review.status = "changed";
  return review;
}
