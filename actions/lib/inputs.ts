import type { z } from "zod";
import { InputError } from "./errors.ts";

/**
 * Inputs arrive as flat string maps (action inputs, CLI flags). An empty string means "not set",
 * as it does for a GitHub Actions input left out of `with:`.
 */
export type RawInputs = Readonly<Record<string, string | undefined>>;

export function dropEmpty(raw: RawInputs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && value.trim() !== "") out[key] = value.trim();
  }
  return out;
}

/**
 * Validates inputs against a schema whose keys are the input names, and turns every issue into
 * one line naming the input. Values are never echoed here: some inputs are secrets.
 */
export function parseInputs<S extends z.ZodType>(schema: S, raw: RawInputs, where: string): z.infer<S> {
  const result = schema.safeParse(dropEmpty(raw));
  if (result.success) return result.data;
  throw invalidInputs(
    where,
    result.error.issues.map((issue) => ({
      field: issue.path.map(String).join(".") || "(inputs)",
      message: issue.message,
    })),
  );
}

/** Bad input, one line per issue naming its input: what schemas and the checks beside them throw. */
export function invalidInputs(where: string, issues: { field: string; message: string }[]): InputError {
  const lines = issues.map((i) => `- ${i.field}: ${i.message}`);
  return new InputError(issues[0]?.field ?? "inputs", `Invalid ${where}:\n${lines.join("\n")}`, issues);
}
