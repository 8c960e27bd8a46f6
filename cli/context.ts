import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { InputError } from "../actions/lib/errors.ts";
import type { Reporter } from "../actions/lib/reporter.ts";
import type { CommandSpec, Flag, ParsedArgs } from "./flags.ts";
import { type ProjectSettings, readProjectSettings } from "./project-settings.ts";

/** What a command may touch: the environment and working directory it was started in, and its output. */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: (text: string) => void;
  reporter: Reporter;
  /** For commands that run until stopped (garde sandbox): resolves with the signal. */
  untilStopped?: (() => Promise<string>) | undefined;
}

export interface Command extends CommandSpec {
  run(args: ParsedArgs, ctx: CliContext): Promise<number>;
}

/** Inputs the CLI takes from the environment, never from flags (shell history keeps flags). */
export const ENV_INPUTS: Readonly<Record<string, string>> = {
  "vercel-token": "VERCEL_TOKEN",
  "github-token": "GITHUB_TOKEN",
  "store-key": "GARDE_STORE_KEY",
  "slack-webhook-url": "SLACK_WEBHOOK_URL",
};

export const VERCEL_TOKEN_ENV = {
  name: "VERCEL_TOKEN",
  description: "Vercel access token (https://vercel.com/account/tokens).",
};
export const GITHUB_TOKEN_ENV = {
  name: "GITHUB_TOKEN",
  description: "GitHub token with deployments: write (gh auth token prints yours).",
};
export const GITHUB_ENV = {
  name: "GITHUB_REPOSITORY, GITHUB_API_URL",
  description: "Read when --repository, --github-api-url are not given (set on Actions runners).",
};

/** The deploy target's (Vercel or Kubernetes) and GitHub's flags every platform command takes. */
export const PLATFORM_FLAGS: readonly Flag[] = [
  {
    name: "vercel-project",
    kind: "string",
    value: "ID|NAME",
    description: "Vercel project (default: garde.yml, then .vercel/project.json).",
  },
  {
    name: "vercel-team-id",
    kind: "string",
    value: "TEAM",
    description: "Vercel team id, when the project belongs to a team.",
  },
  {
    name: "vercel-api-url",
    kind: "string",
    value: "URL",
    description: "Vercel API base URL (an emulator, a proxy).",
  },
  {
    name: "platform",
    kind: "string",
    value: "vercel|kubernetes",
    description: "Where the app runs (default vercel; garde.yml may say).",
  },
  {
    name: "kubeconfig",
    kind: "string",
    value: "FILE",
    description: "Kubernetes: the kubeconfig (default KUBECONFIG, then ~/.kube/config).",
  },
  {
    name: "kubernetes-namespace",
    kind: "string",
    value: "NS",
    description: "Kubernetes: the namespace (default: the kubeconfig context's).",
  },
  {
    name: "kubernetes-deployment",
    kind: "string",
    value: "NAME",
    description: "Kubernetes: the production Deployment (api-server).",
  },
  {
    name: "kubernetes-service",
    kind: "string",
    value: "NAME",
    description: "Kubernetes: the Service production traffic goes through (api-gateway).",
  },
  {
    name: "kubernetes-container",
    kind: "string",
    value: "NAME",
    description: "Kubernetes: the container whose image is set (default the first).",
  },
  {
    name: "image-template",
    kind: "string",
    value: "IMAGE",
    description: "Kubernetes: the image built for a commit, REGISTRY/app:{sha}.",
  },
  {
    name: "repository",
    kind: "string",
    value: "OWNER/NAME",
    description: "GitHub repository (default: garde.yml, then git remote origin).",
  },
  {
    name: "github-api-url",
    kind: "string",
    value: "URL",
    description: "GitHub API base URL (GitHub Enterprise Server, an emulator).",
  },
];

/**
 * Raw inputs for the core's schemas, in order of precedence: flags, then the environment's
 * GITHUB_* (a runner's), then garde.yml, .vercel/project.json and the git remote.
 */
export function platformRaw(
  args: ParsedArgs,
  ctx: CliContext,
  names: readonly string[],
): Record<string, string | undefined> {
  const settings: ProjectSettings = readProjectSettings(ctx.cwd);
  const raw: Record<string, string | undefined> = {
    "vercel-token": ctx.env.VERCEL_TOKEN,
    "github-token": ctx.env.GITHUB_TOKEN,
  };
  const fromEnv: Record<string, string | undefined> = {
    repository: ctx.env.GITHUB_REPOSITORY,
    "github-api-url": ctx.env.GITHUB_API_URL,
    kubeconfig: ctx.env.KUBECONFIG,
  };
  for (const name of new Set([...PLATFORM_FLAGS.map((f) => f.name), ...names])) {
    raw[name] = stringFlag(args, name) ?? fromEnv[name] ?? settings[name as keyof ProjectSettings];
  }
  if (raw.platform === "kubernetes") raw.kubeconfig = kubeconfigFile(ctx, raw.kubeconfig);
  return raw;
}

/** The kubeconfig as kubectl finds it: relative to where the command runs, ~/.kube/config when nothing names one. */
export function kubeconfigFile(ctx: CliContext, given: string | undefined): string {
  return resolve(ctx.cwd, given ?? join(ctx.env.HOME ?? homedir(), ".kube", "config"));
}

/** How the CLI user passes a field the core names: its flag, its variable, or its argument. */
export function cliName(spec: CommandSpec, field: string): string {
  const variable = ENV_INPUTS[field];
  if (variable) return `${variable} (environment variable)`;
  if (spec.flags.some((f) => f.name === field)) return `--${field}`;
  if (field === "secrets") return "SECRET argument";
  if (field === "url") return "URL argument";
  return field;
}

/** Re-renders a core InputError with the names a terminal user types. */
export function inCliTerms(spec: CommandSpec, err: InputError): InputError {
  if (!err.issues.length) return err;
  const lines = err.issues.map((i) => `- ${cliName(spec, i.field)}: ${i.message}`);
  const missing = err.issues.some((i) => /^is required/.test(i.message) && !ENV_INPUTS[i.field]);
  const hint = missing
    ? `\nProject settings can live in garde.yml (vercel-project, repository, smoke-config, …). Run garde help ${spec.name}.`
    : "";
  return new InputError(
    err.field,
    `Invalid garde ${spec.name} arguments:\n${lines.join("\n")}${hint}`,
    err.issues,
  );
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

export function noPositionals(spec: CommandSpec, args: ParsedArgs, allowed = 0): void {
  const extra = args.positionals.slice(allowed);
  if (extra.length) {
    throw new InputError(
      "arguments",
      `garde ${spec.name} takes ${allowed ? `${allowed} argument${allowed > 1 ? "s" : ""}` : "no arguments"}, but got ${extra.map((a) => JSON.stringify(a)).join(" ")}. Run garde help ${spec.name}.`,
    );
  }
}
