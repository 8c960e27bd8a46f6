import { readFileSync } from "node:fs";
import * as z from "zod";
import { InputError } from "./errors.ts";
import { invalidInputs } from "./inputs.ts";
import { readYaml } from "./yaml-text.ts";

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

/** A Kubernetes object name (RFC 1123 label), as the API server accepts it. */
const kubernetesName = (what: string) =>
  z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: `must be a Kubernetes ${what} name: lower-case letters, digits and "-"`,
  });

export const PLATFORMS = ["vercel", "kubernetes"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Deployment ids each platform gives: Vercel's dpl_…, garde's Kubernetes builds <sha>-<time>. */
export const DEPLOYMENT_ID = /^(dpl_[A-Za-z0-9]+|[0-9a-f]{7,40}-[0-9a-z]+)$/;
export const DEPLOYMENT_ID_HINT =
  "a Vercel deployment id (dpl_9fT2…) or a garde Kubernetes build (3f9a1c2e7b4d-m1x2y3)";

/** The deploy target and GitHub access: every action that ships or restores takes these. */
export const platformInputShape = {
  platform: z.enum(PLATFORMS, { error: "must be vercel or kubernetes" }).default("vercel"),
  "vercel-token": z.string().optional(),
  "vercel-project": z.string().optional(),
  "vercel-team-id": z.string().optional(),
  "vercel-api-url": httpUrl("vercel-api-url").default("https://api.vercel.com"),
  kubeconfig: z.string().optional(),
  "kubernetes-namespace": kubernetesName("namespace").optional(),
  "kubernetes-deployment": kubernetesName("Deployment").optional(),
  "kubernetes-service": kubernetesName("Service").optional(),
  "kubernetes-container": kubernetesName("container").optional(),
  "image-template": z
    .string()
    .refine((v) => v.includes("{sha}") && !/\s/.test(v), {
      error:
        "must be an image reference with {sha} where the commit goes, e.g. europe-docker.pkg.dev/acme/api/api:{sha}",
    })
    .optional(),
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

export type PlatformInputs = {
  platform?: Platform | undefined;
  "vercel-token"?: string | undefined;
  "vercel-project"?: string | undefined;
  "vercel-team-id"?: string | undefined;
  "vercel-api-url": string;
  kubeconfig?: string | undefined;
  "kubernetes-namespace"?: string | undefined;
  "kubernetes-deployment"?: string | undefined;
  "kubernetes-service"?: string | undefined;
  "kubernetes-container"?: string | undefined;
  "image-template"?: string | undefined;
  "github-token": string;
  "github-api-url": string;
  repository: string;
};

const REQUIRED: Record<Platform, Record<string, string>> = {
  vercel: {
    "vercel-token": "a Vercel access token (create one at https://vercel.com/account/tokens)",
    "vercel-project": "the Vercel project id or name (prj_… or my-app)",
  },
  kubernetes: {
    kubeconfig: "the kubeconfig file (KUBECONFIG; google-github-actions/get-gke-credentials writes one)",
    "kubernetes-deployment": "the production Deployment (api-server)",
    "kubernetes-service": "the Service production traffic goes through (api-gateway)",
  },
};

/** A platform's own inputs are required only when it is used: every missing one named at once. */
function requirePlatformInputs(
  i: Readonly<Record<string, unknown>>,
  platform: Platform,
  where: string,
  why: string,
): void {
  const issues = Object.entries(REQUIRED[platform])
    .filter(([field]) => !i[field])
    .map(([field, hint]) => ({ field, message: `is required ${why}: ${hint}` }));
  if (issues.length) throw invalidInputs(where, issues);
}

export interface VercelAccess {
  platform: "vercel";
  token: string;
  project: string;
  teamId: string | undefined;
  apiUrl: string;
}

export interface KubernetesAccess {
  platform: "kubernetes";
  /** Absolute path of the kubeconfig file. */
  kubeconfig: string;
  /** The current context's API server, when the kubeconfig names it. */
  server: string | undefined;
  namespace: string;
  deployment: string;
  service: string;
  container: string | undefined;
  /** REGISTRY/app:{sha}: what a deploy sets; a rollback or a rotation needs none. */
  imageTemplate: string | undefined;
}

export interface PlatformConfig {
  target: VercelAccess | KubernetesAccess;
  github: { token: string; apiUrl: string; repository: string };
}

/**
 * The kubeconfig's current context (its namespace and its cluster's server), read with yaml alone:
 * @kubernetes/client-node is loaded only when the cluster is reached, and a missing or broken file
 * is bad input up front.
 */
export function readKubeconfig(path: string): { namespace: string | undefined; server: string | undefined } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new InputError(
      "kubeconfig",
      `no kubeconfig at ${path}; give the kubeconfig input or set KUBECONFIG`,
    );
  }
  let doc: {
    "current-context"?: string;
    contexts?: { name?: string; context?: { namespace?: string; cluster?: string } }[];
    clusters?: { name?: string; cluster?: { server?: string } }[];
  };
  try {
    doc = (readYaml(text) ?? {}) as typeof doc;
  } catch (err) {
    throw new InputError(
      "kubeconfig",
      `${path} is not a kubeconfig kubectl could read: ${(err as Error).message}`,
    );
  }
  const context = doc.contexts?.find((c) => c.name === doc["current-context"])?.context;
  const server = doc.clusters?.find((c) => c.name === context?.cluster)?.cluster?.server;
  return { namespace: context?.namespace, server };
}

/** The API the target is reached through: Vercel's, or the cluster's server. */
export function targetApiUrl(target: VercelAccess | KubernetesAccess): string | undefined {
  return target.platform === "vercel" ? target.apiUrl : target.server;
}

export function vercelAccess(i: PlatformInputs, where: string, why = "with platform vercel"): VercelAccess {
  requirePlatformInputs(i, "vercel", where, why);
  return {
    platform: "vercel",
    token: i["vercel-token"] as string,
    project: i["vercel-project"] as string,
    teamId: i["vercel-team-id"],
    apiUrl: i["vercel-api-url"],
  };
}

/** The Kubernetes inputs alone: the deploy target's, a rotation consumer's, the runbook switches'. */
export type KubernetesInputs = Pick<
  PlatformInputs,
  | "kubeconfig"
  | "kubernetes-namespace"
  | "kubernetes-deployment"
  | "kubernetes-service"
  | "kubernetes-container"
  | "image-template"
>;

export function kubernetesAccess(
  i: KubernetesInputs,
  where: string,
  why = "with platform kubernetes",
): KubernetesAccess {
  requirePlatformInputs(i, "kubernetes", where, why);
  const kubeconfig = i.kubeconfig as string;
  const context = readKubeconfig(kubeconfig);
  const namespace = i["kubernetes-namespace"] ?? context.namespace;
  if (!namespace) {
    throw new InputError(
      "kubernetes-namespace",
      "is required: give kubernetes-namespace, or set a namespace in the kubeconfig's current context",
    );
  }
  return {
    platform: "kubernetes",
    kubeconfig,
    server: context.server,
    namespace,
    deployment: i["kubernetes-deployment"] as string,
    service: i["kubernetes-service"] as string,
    container: i["kubernetes-container"],
    imageTemplate: i["image-template"],
  };
}

export const githubAccess = (i: PlatformInputs): PlatformConfig["github"] => ({
  token: i["github-token"],
  apiUrl: i["github-api-url"],
  repository: i.repository,
});

/** The deploy target the platform input names, and GitHub. */
export function platformConfig(i: PlatformInputs, where = "inputs"): PlatformConfig {
  return {
    target: i.platform === "kubernetes" ? kubernetesAccess(i, where) : vercelAccess(i, where),
    github: githubAccess(i),
  };
}
