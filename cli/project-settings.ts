import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import { InputError } from "../actions/lib/errors.ts";
import { readYamlInput } from "../actions/lib/yaml-text.ts";

/**
 * What a terminal user should not have to retype: the project, the repository, the smoke
 * config. Read, in this order of precedence after the flags, from garde.yml, from the Vercel
 * CLI's own .vercel/project.json (written by `vercel link`), and from the git remote origin.
 */
export const PROJECT_FILE = "garde.yml";

const projectFileSchema = z
  .object({
    "vercel-project": z.string().min(1),
    "vercel-team-id": z.string().min(1),
    "vercel-api-url": z.string().min(1),
    "github-api-url": z.string().min(1),
    repository: z.string().min(1),
    "smoke-config": z.string().min(1),
    "production-url": z.string().min(1),
    "staging-alias": z.string().min(1),
    platform: z.enum(["vercel", "kubernetes"]),
    kubeconfig: z.string().min(1),
    "kubernetes-namespace": z.string().min(1),
    "kubernetes-deployment": z.string().min(1),
    "kubernetes-service": z.string().min(1),
    "kubernetes-container": z.string().min(1),
    "image-template": z.string().min(1),
  })
  .partial()
  .strict();

export type ProjectSettings = z.infer<typeof projectFileSchema>;
export const PROJECT_SETTING_KEYS = Object.keys(projectFileSchema.shape) as (keyof ProjectSettings)[];

function readProjectFile(cwd: string): ProjectSettings {
  const path = join(cwd, PROJECT_FILE);
  if (!existsSync(path)) return {};
  const document = readYamlInput(readFileSync(path, "utf8"), PROJECT_FILE, path);
  const result = projectFileSchema.safeParse(document ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) =>
    i.code === "unrecognized_keys"
      ? `- ${path}: unknown key ${i.keys.join(", ")}; known: ${PROJECT_SETTING_KEYS.join(", ")}`
      : `- ${path}: ${i.path.join(".")}: ${i.message}`,
  );
  throw new InputError(PROJECT_FILE, `The project file is invalid:\n${lines.join("\n")}`);
}

/** `vercel link` writes {"projectId", "orgId"}; a team's orgId is its team id. */
function readVercelLink(cwd: string): ProjectSettings {
  const path = join(cwd, ".vercel", "project.json");
  if (!existsSync(path)) return {};
  try {
    const link = JSON.parse(readFileSync(path, "utf8")) as { projectId?: unknown; orgId?: unknown };
    const out: ProjectSettings = {};
    if (typeof link.projectId === "string") out["vercel-project"] = link.projectId;
    if (typeof link.orgId === "string" && link.orgId.startsWith("team_")) out["vercel-team-id"] = link.orgId;
    return out;
  } catch {
    throw new InputError(
      "vercel-project",
      `${path} is not JSON: run vercel link again, or give --vercel-project`,
    );
  }
}

/** owner/name of a GitHub remote URL (https or ssh), else undefined. */
export function githubRepositoryOf(remoteUrl: string): string | undefined {
  const m = /github\.com[:/]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(remoteUrl.trim());
  return m ? `${m[1]}/${m[2]}` : undefined;
}

function readGitRemote(cwd: string): ProjectSettings {
  try {
    const url = execFileSync("git", ["remote", "get-url", "origin"], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5_000,
    });
    const repository = githubRepositoryOf(url);
    return repository ? { repository } : {};
  } catch {
    return {};
  }
}

export function readProjectSettings(cwd: string): ProjectSettings {
  return { ...readGitRemote(cwd), ...readVercelLink(cwd), ...readProjectFile(cwd) };
}
