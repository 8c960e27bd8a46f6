import { randomInt } from "node:crypto";
import { GcpMonitoringEmulator } from "./gcp-monitoring-emulator.ts";
import { GitHubEmulator } from "./github-emulator.ts";
import type { ListenOptions } from "./http-server.ts";
import { SampleApp } from "./sample-app.ts";
import { SlackEmulator } from "./slack-emulator.ts";
import { VercelEmulator } from "./vercel/emulator.ts";

export interface Sandbox {
  app: SampleApp;
  vercel: VercelEmulator;
  github: GitHubEmulator;
  slack: SlackEmulator;
  monitoring: GcpMonitoringEmulator;
  vercelToken: string;
  githubToken: string;
  project: string;
  repository: string;
  /** Flat deploy inputs pointing at the emulators, as a workflow's `with:` would give them. */
  inputs(extra?: Record<string, string>): Record<string, string>;
  /** The inputs every action that reaches Vercel and GitHub takes (no deploy-only ones). */
  platformInputs(extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

export interface SandboxOptions {
  buildMs?: number;
  promoteMs?: number;
  vercelToken?: string;
  githubToken?: string;
  /** Vercel project name (default sample-app). */
  project?: string;
  /** owner/name the sample app stands for on GitHub (default garde-sandbox/sample-app). */
  repository?: string;
  /** Serve the APIs over TLS with this certificate (the Vercel CLI refuses plain HTTP). */
  tls?: ListenOptions["tls"];
  /** Listen on fixed ports from here: Vercel, GitHub, Slack, Cloud Monitoring in that order. */
  portBase?: number;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random letters and digits, as vendors' tokens are made (the Vercel CLI refuses a token holding "-"). */
export function alphanumeric(length: number): string {
  return Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("");
}

/** A Vercel access token's shape: 24 letters and digits. */
export const vercelTokenLike = () => alphanumeric(24);
/** A GitHub App installation token's shape: ghs_ and 36 letters and digits. */
export const githubTokenLike = () => `ghs_${alphanumeric(36)}`;

/** Starts the Vercel and GitHub emulators and the sample app's repository; stop() removes all of it. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const vercelToken = opts.vercelToken ?? vercelTokenLike();
  const githubToken = opts.githubToken ?? githubTokenLike();
  const app = SampleApp.create();
  const vercel = new VercelEmulator({
    token: vercelToken,
    app,
    buildMs: opts.buildMs,
    promoteMs: opts.promoteMs,
  });
  const github = new GitHubEmulator({
    token: githubToken,
    resolveRef: (ref) => app.resolveRef(ref),
    compareRefs: (base, head) => app.compare(base, head),
    mergeInto: (source, into) => app.tryMerge(source, into),
  });
  const slack = new SlackEmulator();
  const monitoring = new GcpMonitoringEmulator("garde-sandbox");
  const stopAll = () => Promise.allSettled([vercel.stop(), github.stop(), slack.stop(), monitoring.stop()]);
  try {
    const listen = (index: number): ListenOptions => ({
      tls: opts.tls,
      port: opts.portBase ? opts.portBase + index : 0,
    });
    await Promise.all([
      vercel.start(listen(0)),
      github.start(listen(1)),
      slack.start(listen(2)),
      monitoring.start(listen(3)),
    ]);
  } catch (err) {
    await stopAll();
    app.remove();
    throw err;
  }
  const project = vercel.addProject(opts.project ?? "sample-app").name;
  const repository = opts.repository ?? "garde-sandbox/sample-app";
  const platform = () => ({
    "vercel-token": vercelToken,
    "vercel-project": project,
    "vercel-api-url": vercel.url,
    "github-token": githubToken,
    "github-api-url": github.url,
    repository,
  });
  return {
    app,
    vercel,
    github,
    slack,
    monitoring,
    vercelToken,
    githubToken,
    project,
    repository,
    platformInputs: (extra = {}) => ({ ...platform(), ...extra }),
    inputs: (extra = {}) => ({ ...platform(), "poll-interval": "0.05", ...extra }),
    async stop() {
      await stopAll();
      app.remove();
    },
  };
}
