import { z } from "zod";
import { type BranchNames, branchNamesSchema, ENVIRONMENTS } from "./gitflow.ts";
import { parseInputs, type RawInputs } from "./inputs.ts";
import type { SmokeConfig } from "./smoke/config.ts";
import { loadSmokeConfig } from "./smoke/load-config.ts";

const httpUrl = (name: string) =>
  z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
    error: `must be an http(s) URL such as https://api.example.com; check the value given to ${name}`,
  });

const required = (name: string, hint: string) =>
  z.string({ error: (iss) => (iss.input === undefined ? `is required: ${hint}` : `must be text (${name})`) });

const seconds = (name: string, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be a whole number of seconds (${name})` })
    .transform(Number)
    .default(fallback);

/** Keys are the action's input names (and the CLI's flag names), so every message names what to fix. */
export const deployInputsSchema = z
  .object({
    "vercel-token": required(
      "vercel-token",
      "pass a Vercel access token, e.g. vercel-token: ${{ secrets.VERCEL_TOKEN }}",
    ),
    "vercel-project": required("vercel-project", "the Vercel project id or name (prj_… or my-app)"),
    "vercel-team-id": z.string().optional(),
    "vercel-api-url": httpUrl("vercel-api-url").default("https://api.vercel.com"),
    "github-token": required(
      "github-token",
      "pass github-token: ${{ github.token }} with deployments: write",
    ),
    "github-api-url": httpUrl("github-api-url").default("https://api.github.com"),
    repository: required("repository", "owner/name of the repository").regex(/^[\w.-]+\/[\w.-]+$/, {
      error: "must be owner/name",
    }),
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
    "production-url": httpUrl("production-url").optional(),
    "ready-timeout": seconds("ready-timeout", 600),
    "poll-interval": z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be a number of seconds" })
      .transform(Number)
      .default(5),
    "log-url": httpUrl("log-url").optional(),
    "smoke-config": z.string().optional(),
    "smoke-config-inline": z.string().optional(),
    "feature-prefix": z.string().optional(),
    "release-prefix": z.string().optional(),
    "hotfix-prefix": z.string().optional(),
    "develop-branch": z.string().optional(),
    "main-branch": z.string().optional(),
  })
  .strict();

export interface DeployConfig {
  vercel: { token: string; project: string; teamId: string | undefined; apiUrl: string };
  github: { token: string; apiUrl: string; repository: string };
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
  return {
    vercel: {
      token: i["vercel-token"],
      project: i["vercel-project"],
      teamId: i["vercel-team-id"],
      apiUrl: i["vercel-api-url"],
    },
    github: { token: i["github-token"], apiUrl: i["github-api-url"], repository: i.repository },
    sha: i.sha,
    expectedEnvironment: i.environment,
    stagingAlias: i["staging-alias"],
    productionUrl: i["production-url"],
    readyTimeoutMs: i["ready-timeout"] * 1000,
    pollIntervalMs: i["poll-interval"] * 1000,
    logUrl: i["log-url"],
    branches,
    smoke: loadSmokeConfig({ path: i["smoke-config"], inline: i["smoke-config-inline"] }),
  };
}
