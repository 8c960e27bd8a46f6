import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { planStacks, type StackPlan } from "../../infra/plan.ts";
import { readStackFile } from "../../infra/stack-file.ts";

export const root = resolve(import.meta.dirname, "../..");
export const stacks = ["dev", "staging", "prod"] as const;
export const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml"));

/** Every reference stack and seed example, planned in one mock session at a fixed moment. */
export async function planReferenceStacks(): Promise<Map<string, StackPlan>> {
  const files = [
    ...stacks.map((s) => readStackFile(join(root, `Pulumi.${s}.yaml`), s)),
    ...examples.map((e) => readStackFile(join(root, "examples", e))),
  ];
  const evaluated = await planStacks(files, { now: new Date("2026-11-22T12:00:00Z") });
  return new Map([...stacks, ...examples].map((name, i) => [name, evaluated[i] as StackPlan]));
}
