import * as z from "zod";
import { invalidInputs, parseInputs, type RawInputs } from "../inputs.ts";
import { isLoopbackUrl } from "../loopback.ts";
import {
  type PlatformConfig,
  platformConfig,
  platformInputShape,
  required,
  seconds,
  targetApiUrl,
} from "../platform-inputs.ts";
import type { SmokeConfig } from "../smoke/config.ts";
import { loadSmokeConfig } from "../smoke/load-config.ts";
import { type BranchNames, branchNamesSchema, ENVIRONMENTS } from "./gitflow.ts";

/** Keys are the action's input names (and the CLI's flag names), so every message names what to fix. */
export const deployInputsSchema = z
  .object({
    ...platformInputShape,
    sha: required("sha", "the commit to deploy (GITHUB_SHA)").regex(/^[0-9a-f]{7,40}$/, {
      error: "must be a hexadecimal git commit SHA (7 to 40 characters)",
    }),
    environment: z
      .enum(ENVIRONMENTS, {
        error: `must be one of ${ENVIRONMENTS.join(", ")}, or left out to follow the GitFlow rules`,
      })
      .optional(),
    "staging-alias": z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, {
        error: "must be a domain name without scheme, e.g. staging.example.com",
      })
      .optional(),
    "ready-timeout": seconds("ready-timeout", 600).refine((s) => s >= 10 && s <= 3600, {
      error: "must be between 10 and 3600 seconds",
    }),
    "poll-interval": z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be a number of seconds" })
      .transform(Number)
      .refine((s) => s >= 0.05 && s <= 60, { error: "must be between 1 and 60 seconds" })
      .default(5),
    "feature-prefix": z.string().optional(),
    "release-prefix": z.string().optional(),
    "hotfix-prefix": z.string().optional(),
    "develop-branch": z.string().optional(),
    "main-branch": z.string().optional(),
    reconcile: z
      .enum(["true", "false"], { error: "must be true or false" })
      .transform((v) => v === "true")
      .default(false),
  })
  .strict();

export interface DeployConfig extends PlatformConfig {
  sha: string;
  /** When set, the deploy refuses unless the GitFlow rules route to this environment. */
  expectedEnvironment: (typeof ENVIRONMENTS)[number] | undefined;
  stagingAlias: string | undefined;
  productionUrl: string | undefined;
  readyTimeoutMs: number;
  pollIntervalMs: number;
  logUrl: string | undefined;
  branches: BranchNames;
  /** Checks every build must pass before it takes its alias or production. */
  smoke: SmokeConfig;
  /** Build nothing: repair production's GitHub record to match what it serves. */
  reconcile: boolean;
}

export function parseDeployConfig(raw: RawInputs): DeployConfig {
  const i = parseInputs(deployInputsSchema, raw, "deploy inputs");
  const branches = parseInputs(
    branchNamesSchema,
    {
      feature: i["feature-prefix"],
      release: i["release-prefix"],
      hotfix: i["hotfix-prefix"],
      develop: i["develop-branch"],
      main: i["main-branch"],
    },
    "branch names",
  );
  const platform = platformConfig(i, "deploy inputs");
  if (platform.target.platform === "kubernetes" && !platform.target.imageTemplate) {
    throw invalidInputs("deploy inputs", [
      {
        field: "image-template",
        message:
          "is required with platform kubernetes: the image built for a commit, with {sha}: REGISTRY/app:{sha}",
      },
    ]);
  }
  const apiUrl = targetApiUrl(platform.target);
  // Polling a real API faster than once a second only earns 429s; emulators on this machine may.
  if (i["poll-interval"] < 1 && !(apiUrl && URL.canParse(apiUrl) && isLoopbackUrl(apiUrl))) {
    throw invalidInputs("deploy inputs", [
      {
        field: "poll-interval",
        message: "must be between 1 and 60 seconds (below 1 s only against an API on this machine)",
      },
    ]);
  }
  return {
    ...platform,
    sha: i.sha,
    expectedEnvironment: i.environment,
    stagingAlias: i["staging-alias"],
    productionUrl: i["production-url"],
    readyTimeoutMs: i["ready-timeout"] * 1000,
    pollIntervalMs: i["poll-interval"] * 1000,
    logUrl: i["log-url"],
    branches,
    smoke: loadSmokeConfig({ path: i["smoke-config"], inline: i["smoke-config-inline"] }),
    reconcile: i.reconcile,
  };
}
