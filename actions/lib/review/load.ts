import { readFileSync } from "node:fs";
import * as z from "zod";
import { InputError } from "../errors.ts";
import type { PreviewSource } from "./inputs.ts";
import type { Review, StackReview } from "./model.ts";
import { reviewFromPreview } from "./preview.ts";

const resource = z.object({ urn: z.string(), type: z.string() }).loose();
const change = z
  .object({ path: z.string(), kind: z.enum(["add", "delete", "update"]), old: z.unknown(), new: z.unknown() })
  .loose();
const update = resource.extend({ diffs: z.array(change), replaceReasons: z.array(z.string()).optional() });

/** garde plan --diff --json, as the CLI writes it. */
export const reviewSchema = z.object({
  base: z.string(),
  baseCommit: z.string().optional(),
  stacks: z.array(
    z
      .object({
        stack: z.string(),
        status: z.enum(["changed", "unchanged", "added", "removed"]),
        creates: z.array(resource),
        updates: z.array(update),
        replaces: z.array(update),
        deletes: z.array(resource),
        unchanged: z.number(),
        policies: z.array(
          z
            .object({
              policy: z.string(),
              enforcement: z.enum(["mandatory", "advisory", "remediate", "disabled"]),
              message: z.string(),
            })
            .loose(),
        ),
      })
      .loose(),
  ),
});

function readJson(path: string, field: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(field, `${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError(
      field,
      `${field}: ${path} is not JSON; write it with --json and nothing else on stdout`,
    );
  }
}

export function loadPlanReview(path: string): Review {
  const parsed = reviewSchema.safeParse(readJson(path, "plan"));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      "plan",
      `plan: ${path} is not garde plan --diff --json output (${issue?.path.join(".") || "document"}: ${issue?.message}); run garde plan --diff BASE --json > ${path}`,
    );
  }
  return parsed.data as Review;
}

/**
 * The stacks to comment on: from garde's plan, from real previews, or both. With both, a
 * stack's changes come from its preview (the provider's own diff) and its policy results from
 * garde's plan; stacks only in the plan keep the plan's changes.
 */
export function loadReviews(plan: string | undefined, previews: PreviewSource[] = []): Review {
  const fromPlan = plan ? loadPlanReview(plan) : undefined;
  const byStack = new Map<string, StackReview>((fromPlan?.stacks ?? []).map((s) => [s.stack, s]));
  for (const source of previews) {
    const review = reviewFromPreview(readJson(source.path, "previews"), source.path, source.stack);
    const planned = byStack.get(review.stack);
    byStack.set(review.stack, {
      ...review,
      policies: planned?.policies ?? [],
      policiesChecked: planned !== undefined,
    });
  }
  return {
    base: fromPlan?.base ?? "the stack's state",
    baseCommit: fromPlan?.baseCommit,
    stacks: [...byStack.values()].sort((a, b) => a.stack.localeCompare(b.stack)),
  };
}
