import * as z from "zod";
import { InputError } from "../errors.ts";
import { parseInputs, type RawInputs } from "../inputs.ts";
import { httpUrl, required } from "../platform-inputs.ts";

/** One preview file, with the stack it describes when its URNs cannot tell. */
export interface PreviewSource {
  path: string;
  stack?: string | undefined;
}

/** The infra-review action's inputs; keys are the input names. */
export const reviewInputsSchema = z
  .object({
    "github-token": required("github-token", "a token allowed to write pull request comments"),
    "github-api-url": httpUrl("github-api-url").default("https://api.github.com"),
    repository: z
      .string({ error: "is required: owner/name of the repository" })
      .regex(/^[\w.-]+\/[\w.-]+$/, { error: "must be owner/name, e.g. acme/shop" }),
    "pr-number": z
      .string({ error: "is required: the pull request to comment on (set on pull_request events)" })
      .regex(/^\d+$/, { error: "must be a pull request number, e.g. 42" })
      .transform(Number),
    plan: z.string().optional(),
    previews: z
      .string()
      .transform((text) =>
        text
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean)
          .map((line): PreviewSource => {
            const named = /^([\w.-]+)=(.+)$/.exec(line);
            return named ? { stack: named[1], path: named[2] as string } : { path: line };
          }),
      )
      .optional(),
    "head-sha": z.string().optional(),
    "fail-on-mandatory": z.enum(["true", "false"], { error: "must be true or false" }).default("true"),
  })
  .strict();
export type ReviewInputs = z.infer<typeof reviewInputsSchema>;

export function parseReviewInputs(raw: RawInputs): ReviewInputs {
  const inputs = parseInputs(reviewInputsSchema, raw, "infra-review inputs");
  if (!inputs.plan && !inputs.previews?.length) {
    throw new InputError(
      "plan",
      "Invalid infra-review inputs:\n- plan: give the file garde plan --diff BASE --json wrote, or previews: pulumi preview --json files (one per line, STACK=FILE when the file does not name its stack)",
    );
  }
  return inputs;
}
