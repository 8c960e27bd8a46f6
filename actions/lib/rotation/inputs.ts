import { z } from "zod";
import { InputError } from "../errors.ts";
import { parseInputs, type RawInputs } from "../inputs.ts";
import { type PlatformConfig, platformConfig, platformInputShape } from "../platform-inputs.ts";
import type { SmokeConfig } from "../smoke/config.ts";
import { loadSmokeConfig } from "../smoke/load-config.ts";
import { loadRotationConfig, type RotationConfig } from "./config.ts";
import type { RotationRequest } from "./run.ts";

/** The rotate-keys action's inputs (and `garde rotate`'s flags); Vercel access only when a consumer needs it. */
export const rotateInputsSchema = z
  .object({
    ...platformInputShape,
    "vercel-token": z.string().optional(),
    "vercel-project": z.string().optional(),
    "github-token": z.string().optional(),
    config: z.string({ error: "is required: the path of rotation.yml" }),
    secrets: z
      .string({ error: "is required: secret names, comma-separated, or due" })
      .regex(/^(due|[a-z][a-z0-9-]*(\s*,\s*[a-z][a-z0-9-]*)*)$/, {
        error: "must be due, or secret names separated by commas (api-token, database)",
      }),
    reason: z
      .string({ error: "is required: why (kept in the audit record)" })
      .min(3, { error: "must be at least 3 characters: why, for the audit record" })
      .max(300, { error: "must be at most 300 characters" }),
    "dry-run": z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
    "store-key": z
      .string()
      .regex(/^[0-9a-f]{64}$/, { error: "must be 64 hex characters (32 bytes)" })
      .optional(),
  })
  .strict();

export interface RotateInputs {
  config: RotationConfig;
  request: Omit<RotationRequest, "actor" | "runId">;
  platform: PlatformConfig | undefined;
  smoke: SmokeConfig;
  fileStoreKey: Buffer | undefined;
}

export function parseRotateInputs(raw: RawInputs): RotateInputs {
  const i = parseInputs(rotateInputsSchema, raw, "rotate-keys inputs");
  const config = loadRotationConfig(i.config);
  const needsVercel = config.secrets.some((s) => s.consumers.some((c) => "vercel" in c));
  const needsGitHub = config.secrets.some((s) => s.consumers.some((c) => "githubSecret" in c));
  // A dry run only reads the store: it needs no consumer's credentials.
  const dryRun = i["dry-run"] === "true";
  if (needsGitHub && !dryRun && !i["github-token"]) {
    const message =
      "is required: a secret in the rotation config has a GitHub secret consumer (secrets: write)";
    throw new InputError("github-token", `- github-token: ${message}`, [{ field: "github-token", message }]);
  }
  if (needsVercel && !dryRun && (!i["vercel-token"] || !i["vercel-project"])) {
    const issues = (["vercel-token", "vercel-project"] as const)
      .filter((field) => !i[field])
      .map((field) => ({
        field,
        message: "is required: a secret in the rotation config has a Vercel consumer",
      }));
    throw new InputError(
      issues[0]?.field ?? "vercel-token",
      issues.map((x) => `- ${x.field}: ${x.message}`).join("\n"),
      issues,
    );
  }
  return {
    config,
    request: {
      secrets: i.secrets === "due" ? "due" : i.secrets.split(",").map((s) => s.trim()),
      reason: i.reason,
      dryRun,
    },
    platform:
      (needsVercel || needsGitHub) && !dryRun
        ? platformConfig({
            ...i,
            "vercel-token": i["vercel-token"] ?? "",
            "vercel-project": i["vercel-project"] ?? "",
            "github-token": i["github-token"] ?? "",
          })
        : undefined,
    smoke: loadSmokeConfig({ path: i["smoke-config"], inline: i["smoke-config-inline"] }),
    fileStoreKey: i["store-key"] ? Buffer.from(i["store-key"], "hex") : undefined,
  };
}
