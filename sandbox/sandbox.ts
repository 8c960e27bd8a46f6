import { randomBytes } from "node:crypto";
import { GitHubEmulator } from "./github-emulator.ts";
import { SampleApp } from "./sample-app.ts";
import { VercelEmulator } from "./vercel-emulator.ts";

export interface Sandbox {
  app: SampleApp;
  vercel: VercelEmulator;
  github: GitHubEmulator;
  vercelToken: string;
  githubToken: string;
  project: string;
  repository: string;
  /** Flat deploy inputs pointing at the emulators, as a workflow's `with:` would give them. */
  inputs(extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

export interface SandboxOptions {
  buildMs?: number;
  promoteMs?: number;
  vercelToken?: string;
  githubToken?: string;
}

/** Starts the Vercel and GitHub emulators and the sample app's repository; stop() removes all of it. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const vercelToken = opts.vercelToken ?? `sandbox-vercel-${randomBytes(12).toString("hex")}`;
  const githubToken = opts.githubToken ?? `ghs_sandbox${randomBytes(12).toString("hex")}`;
  const app = SampleApp.create();
  const vercel = new VercelEmulator({
    token: vercelToken,
    app,
    buildMs: opts.buildMs,
    promoteMs: opts.promoteMs,
  });
  const github = new GitHubEmulator({ token: githubToken });
  try {
    await Promise.all([vercel.start(), github.start()]);
  } catch (err) {
    await Promise.allSettled([vercel.stop(), github.stop()]);
    app.remove();
    throw err;
  }
  const project = vercel.addProject("sample-app").name;
  const repository = "garde-sandbox/sample-app";
  return {
    app,
    vercel,
    github,
    vercelToken,
    githubToken,
    project,
    repository,
    inputs: (extra = {}) => ({
      "vercel-token": vercelToken,
      "vercel-project": project,
      "vercel-api-url": vercel.url,
      "github-token": githubToken,
      "github-api-url": github.url,
      repository,
      "poll-interval": "0.05",
      ...extra,
    }),
    async stop() {
      await Promise.allSettled([vercel.stop(), github.stop()]);
      app.remove();
    },
  };
}
