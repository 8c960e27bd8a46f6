import * as z from "zod";
import { InputError } from "../errors.ts";
import { parseInputs, type RawInputs } from "../inputs.ts";
import { githubAccess, kubernetesAccess, platformInputShape, vercelAccess } from "../platform-inputs.ts";
import type { SmokeConfig } from "../smoke/config.ts";
import { loadSmokeConfig } from "../smoke/load-config.ts";
import { loadRotationConfig, type RotationConfig } from "./config.ts";
import type { RotationAccess, RotationRequest } from "./request.ts";

// Each consumer in rotation.yml names its platform; a rotation builds no image and links no run.
const {
  platform: _platform,
  "image-template": _image,
  "log-url": _logUrl,
  ...consumerPlatformShape
} = platformInputShape;

/** The rotate-keys action's inputs (and `garde rotate`'s flags); Vercel access only when a consumer needs it. */
export const rotateInputsSchema = z
  .object({
    ...consumerPlatformShape,
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
  platform: RotationAccess | undefined;
  smoke: SmokeConfig;
  fileStoreKey: Buffer | undefined;
}

export function parseRotateInputs(raw: RawInputs): RotateInputs {
  const parsed = parseInputs(rotateInputsSchema, raw, "rotate-keys inputs");
  // GitHub is reached only for GitHub consumers and known-good lookups; those check for the token.
  const i = { ...parsed, "github-token": parsed["github-token"] ?? "" };
  const config = loadRotationConfig(i.config);
  const needsVercel = config.secrets.some((s) => s.consumers.some((c) => "vercel" in c));
  const needsGitHub = config.secrets.some((s) => s.consumers.some((c) => "githubSecret" in c));
  const needsKubernetes = config.secrets.some((s) => s.consumers.some((c) => "kubernetes" in c));
  // A dry run only reads the store: it needs no consumer's credentials.
  const dryRun = i["dry-run"] === "true";
  if (needsGitHub && !dryRun && !i["github-token"]) {
    const message =
      "is required: a secret in the rotation config has a GitHub secret consumer (secrets: write)";
    throw new InputError("github-token", `- github-token: ${message}`, [{ field: "github-token", message }]);
  }
  return {
    config,
    request: {
      secrets: i.secrets === "due" ? "due" : i.secrets.split(",").map((s) => s.trim()),
      reason: i.reason,
      dryRun,
    },
    platform:
      (needsVercel || needsGitHub || needsKubernetes) && !dryRun
        ? {
            github: githubAccess(i),
            vercel: needsVercel
              ? vercelAccess(
                  i,
                  "rotate-keys inputs",
                  "when a secret in the rotation config has a Vercel consumer",
                )
              : undefined,
            kubernetes: needsKubernetes
              ? kubernetesAccess(
                  i,
                  "rotate-keys inputs",
                  "when a secret in the rotation config has a Kubernetes consumer",
                )
              : undefined,
          }
        : undefined,
    smoke: loadSmokeConfig({ path: i["smoke-config"], inline: i["smoke-config-inline"] }),
    fileStoreKey: i["store-key"] ? Buffer.from(i["store-key"], "hex") : undefined,
  };
}

/** Vercel and GitHub access from the platform inputs alone: for callers that build the rotation config themselves. */
export function vercelRotationAccess(raw: RawInputs): RotationAccess {
  const i = parseInputs(z.object(platformInputShape), raw, "platform inputs");
  return { github: githubAccess(i), vercel: vercelAccess(i, "platform inputs"), kubernetes: undefined };
}
