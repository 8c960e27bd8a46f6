import { z } from "zod";

/** Input validators shared by the actions' configs; keys of the schemas are the input names. */
export const httpUrl = (name: string) =>
  z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
    error: `must be an http(s) URL such as https://api.example.com; check the value given to ${name}`,
  });

export const required = (name: string, hint: string) =>
  z.string({ error: (iss) => (iss.input === undefined ? `is required: ${hint}` : `must be text (${name})`) });

export const seconds = (name: string, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be a whole number of seconds (${name})` })
    .transform(Number)
    .default(fallback);

/** Vercel and GitHub access: every action that talks to both takes these. */
export const platformInputShape = {
  "vercel-token": required(
    "vercel-token",
    "a Vercel access token (create one at https://vercel.com/account/tokens)",
  ),
  "vercel-project": required("vercel-project", "the Vercel project id or name (prj_… or my-app)"),
  "vercel-team-id": z.string().optional(),
  "vercel-api-url": httpUrl("vercel-api-url").default("https://api.vercel.com"),
  "github-token": required(
    "github-token",
    "a GitHub token allowed to write deployments (deployments: write)",
  ),
  "github-api-url": httpUrl("github-api-url").default("https://api.github.com"),
  repository: required("repository", "owner/name of the repository").regex(/^[\w.-]+\/[\w.-]+$/, {
    error: "must be owner/name",
  }),
  "smoke-config": z.string().optional(),
  "smoke-config-inline": z.string().optional(),
  "production-url": httpUrl("production-url").optional(),
  "log-url": httpUrl("log-url").optional(),
};

export interface PlatformConfig {
  vercel: { token: string; project: string; teamId: string | undefined; apiUrl: string };
  github: { token: string; apiUrl: string; repository: string };
}

export function platformConfig(i: {
  "vercel-token": string;
  "vercel-project": string;
  "vercel-team-id"?: string | undefined;
  "vercel-api-url": string;
  "github-token": string;
  "github-api-url": string;
  repository: string;
}): PlatformConfig {
  return {
    vercel: {
      token: i["vercel-token"],
      project: i["vercel-project"],
      teamId: i["vercel-team-id"],
      apiUrl: i["vercel-api-url"],
    },
    github: { token: i["github-token"], apiUrl: i["github-api-url"], repository: i.repository },
  };
}
