import { readFileSync } from "node:fs";
import * as z from "zod";
import { InputError } from "../errors.ts";
import { readYamlInput } from "../yaml-text.ts";
import type { SqlCheck } from "./drill.ts";

/** The drill checks, as the CLI reads them from YAML and the stack config declares them. */
export const drillChecksSchema = z
  .array(
    z
      .object({
        name: z.string().min(1),
        query: z.string().min(1),
        expect: z
          .object({
            equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
            atLeast: z.number().optional(),
          })
          .strict()
          .refine((e) => e.equals !== undefined || e.atLeast !== undefined, {
            error: "needs equals or atLeast",
          }),
      })
      .strict(),
  )
  .max(200, { error: "at most 200 checks" });

/** The drill's SQL checks from a YAML file: a list of { name, query, expect: { equals | atLeast } }. */
export function loadDrillChecks(path: string | undefined): SqlCheck[] {
  if (!path) return [];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new InputError("checks", `checks: cannot read ${path}`);
  }
  const result = drillChecksSchema.safeParse(readYamlInput(text, "checks", path));
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (i) => `- ${path}: ${i.path.join(".") || "(top level)"}: ${i.message}`,
  );
  throw new InputError(
    "checks",
    `The drill checks are invalid (a list of { name, query, expect: { equals | atLeast } }):\n${lines.join("\n")}`,
  );
}
