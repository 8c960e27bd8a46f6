/**
 * `garde sandbox`: every emulator on TLS, the sample app with a production deployment, and the
 * files a user or a script needs to drive it with garde, the vercel CLI or curl, until stopped.
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Reporter } from "../actions/lib/reporter.ts";
import { writeYaml } from "../actions/lib/yaml-text.ts";
import { GcsEmulator } from "./gcs-emulator.ts";
import { KubernetesEmulator, TENANTS } from "./kubernetes/cluster.ts";
import { alphanumeric, type Sandbox, startSandbox } from "./sandbox.ts";
import { SecretManagerEmulator } from "./secret-manager-emulator.ts";
import { shipToProduction } from "./ship.ts";
import { createSandboxTls, trustInThisProcess } from "./tls.ts";
import { SANDBOX_TEAM } from "./vercel/account.ts";

export const SMOKE_CONFIG = join(import.meta.dirname, "smoke.yml");

/** What `garde sandbox --json` prints: everything a script needs to reach the platform. */
export interface PlatformDescription {
  vercel: { api: string; token: string; projectId: string; orgId: string; project: string };
  github: { api: string; token: string; repository: string };
  gcp: { project: string; secretManager: string; monitoring: string; storage: string; bucket: string };
  slack: { webhookUrl: string };
  /** The emulated cluster running the tenants API: `kubectl --kubeconfig PATH get pods -n production`. */
  kubernetes: {
    api: string;
    kubeconfig: string;
    namespace: string;
    deployment: string;
    service: string;
    serviceUrl: string;
  };
  app: { dir: string; productionDeploymentId: string; productionUrl: string };
  /** PEM of the CA the emulators' certificate chains to: NODE_EXTRA_CA_CERTS, curl --cacert. */
  caCert: string;
  /** The variables to export so garde and vercel reach the sandbox. */
  env: Record<string, string>;
  /** The content of .vercel/project.json (also written in the app's directory). */
  vercelProjectJson: { projectId: string; orgId: string };
  pid: number;
}

export interface PlatformOptions {
  /** Fixed ports from here (Vercel, GitHub, Slack, Monitoring, Secret Manager, Storage, Kubernetes); else free ones. */
  portBase?: number | undefined;
  buildMs?: number;
  promoteMs?: number;
  reporter?: Reporter;
  /** The NODE_EXTRA_CA_CERTS the user already has (a company proxy's CA): kept in the exported bundle. */
  extraCaCerts?: string | undefined;
}

export interface Platform {
  description: PlatformDescription;
  sandbox: Sandbox;
  stop(): Promise<void>;
}

const GCP_PROJECT = "garde-sandbox";
/** A bucket that exists from the start, for `garde backup --store gs://garde-sandbox-backups/…`. */
const SANDBOX_BUCKET = "garde-sandbox-backups";

/**
 * NODE_EXTRA_CA_CERTS names one file: exporting the sandbox CA alone would drop a CA the user
 * already relies on (a proxy's), so the exported file is theirs followed by the sandbox's.
 */
function writeCaBundle(dir: string, sandboxCa: string, existing: string | undefined): string {
  const theirs = existing && existsSync(existing) ? readFileSync(existing, "utf8") : "";
  const path = join(dir, "ca-bundle.pem");
  writeFileSync(path, `${theirs.trimEnd()}${theirs ? "\n" : ""}${sandboxCa}`);
  return path;
}
const quiet: Reporter = { info: () => {}, warn: () => {}, debug: () => {} };

/**
 * The seeded production deployment goes through garde's own deploy core, as `garde deploy` on
 * main would: staged, checked, promoted and recorded on GitHub, so the first thing a user sees
 * (vercel ls, GitHub deployments) is a release garde made.
 */
async function seedProduction(sandbox: Sandbox, reporter: Reporter): Promise<{ id: string; url: string }> {
  const sha = sandbox.app.git("rev-parse", "main");
  const result = await shipToProduction(sandbox.inputs({ sha, "smoke-config": SMOKE_CONFIG }), {
    reporter,
    env: {},
  });
  return { id: result.deploymentId, url: result.url };
}

/** garde.yml and .vercel/project.json in the app's directory, kept out of git as `vercel link` does. */
function linkAppDirectory(sandbox: Sandbox, projectId: string): { projectId: string; orgId: string } {
  const link = { projectId, orgId: SANDBOX_TEAM.id };
  const dir = sandbox.app.dir;
  mkdirSync(join(dir, ".vercel"), { recursive: true });
  writeFileSync(join(dir, ".vercel", "project.json"), `${JSON.stringify(link)}\n`);
  writeFileSync(
    join(dir, "garde.yml"),
    `# Written by garde sandbox: where this app's platforms answer.\n${writeYaml({
      "vercel-project": projectId,
      "vercel-team-id": SANDBOX_TEAM.id,
      "vercel-api-url": sandbox.vercel.url,
      "github-api-url": sandbox.github.url,
      repository: sandbox.repository,
      "smoke-config": SMOKE_CONFIG,
    })}`,
  );
  mkdirSync(join(dir, ".git", "info"), { recursive: true });
  writeFileSync(join(dir, ".git", "info", "exclude"), ".vercel/\ngarde.yml\n", { flag: "a" });
  return link;
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const root = mkdtempSync(join(tmpdir(), "garde-sandbox-"));
  const secretManager = new SecretManagerEmulator();
  const storage = new GcsEmulator({ buckets: [SANDBOX_BUCKET] });
  let sandbox: Sandbox | undefined;
  let cluster: KubernetesEmulator | undefined;
  const stop = async () => {
    // The cluster's pods serve the sample app's commits: stop them before the repository goes.
    await cluster?.stop();
    await Promise.allSettled([sandbox?.stop(), secretManager.stop(), storage.stop()]);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const tls = await createSandboxTls(root);
    // This process seeds the platform through the same HTTPS clients garde uses.
    trustInThisProcess(tls);
    const port = (index: number) => (opts.portBase ? opts.portBase + index : 0);
    sandbox = await startSandbox({
      tls,
      portBase: opts.portBase,
      buildMs: opts.buildMs ?? 400,
      promoteMs: opts.promoteMs ?? 150,
    });
    const kube = new KubernetesEmulator({ token: alphanumeric(32), app: sandbox.app });
    cluster = kube;
    const kubeconfig = join(root, "kubeconfig");
    const [, , serviceUrl] = await Promise.all([
      secretManager.start({ tls, port: port(4) }),
      storage.start({ tls, port: port(5) }),
      kube.launch({
        listen: { tls, port: port(6) },
        caPath: tls.caPath,
        kubeconfig,
        sha: sandbox.app.git("rev-parse", "main"),
      }),
    ]);
    const project = [...sandbox.vercel.projects.values()][0];
    if (!project) throw new Error("the sandbox made no Vercel project");
    const production = await seedProduction(sandbox, opts.reporter ?? quiet);
    const vercelProjectJson = linkAppDirectory(sandbox, project.id);
    const bundle = writeCaBundle(root, tls.caCert, opts.extraCaCerts);
    const description = describeParts({
      sandbox,
      project,
      secretManager,
      storage,
      kube,
      kubeconfig,
      serviceUrl,
      production,
      tls,
      bundle,
      vercelProjectJson,
    });
    return { description, sandbox, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** What `garde sandbox` prints: every API, token and variable a person or a CLI needs to reach it. */
function describeParts(p: {
  sandbox: Sandbox;
  project: { id: string; name: string };
  secretManager: SecretManagerEmulator;
  storage: GcsEmulator;
  kube: KubernetesEmulator;
  kubeconfig: string;
  serviceUrl: string;
  production: { id: string; url: string };
  tls: { caPath: string };
  bundle: string;
  vercelProjectJson: PlatformDescription["vercelProjectJson"];
}): PlatformDescription {
  const { sandbox, project, secretManager, storage, kube, kubeconfig, serviceUrl, production, tls, bundle } =
    p;
  const { vercelProjectJson } = p;
  return {
    vercel: {
      api: sandbox.vercel.url,
      token: sandbox.vercelToken,
      projectId: project.id,
      orgId: SANDBOX_TEAM.id,
      project: project.name,
    },
    github: { api: sandbox.github.url, token: sandbox.githubToken, repository: sandbox.repository },
    gcp: {
      project: GCP_PROJECT,
      secretManager: secretManager.url,
      monitoring: sandbox.monitoring.url,
      storage: storage.url,
      bucket: SANDBOX_BUCKET,
    },
    slack: { webhookUrl: sandbox.slack.webhookUrl },
    kubernetes: {
      api: kube.url,
      kubeconfig,
      namespace: TENANTS.namespace,
      deployment: TENANTS.deployment,
      service: TENANTS.service,
      serviceUrl,
    },
    app: { dir: sandbox.app.dir, productionDeploymentId: production.id, productionUrl: production.url },
    caCert: tls.caPath,
    env: {
      NODE_EXTRA_CA_CERTS: bundle,
      VERCEL_TOKEN: sandbox.vercelToken,
      GITHUB_TOKEN: sandbox.githubToken,
      SLACK_WEBHOOK_URL: sandbox.slack.webhookUrl,
      // kubectl and garde's cluster commands read it: the cluster's context names production.
      KUBECONFIG: kubeconfig,
      VERCEL_TELEMETRY_DISABLED: "1",
      NO_UPDATE_NOTIFIER: "1",
    },
    vercelProjectJson,
    pid: process.pid,
  };
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** The human form of the description: what to export, what to run. */
export function describePlatform(d: PlatformDescription): string {
  const exports = Object.entries(d.env)
    .map(([k, v]) => `  export ${k}=${shellQuote(v)}`)
    .join("\n");
  const vercel = `vercel --api ${d.vercel.api} --scope ${d.vercel.orgId}`;
  return `garde sandbox is up (pid ${d.pid}); Ctrl-C stops it and removes everything it made.

  Vercel API        ${d.vercel.api}   project ${d.vercel.project} (${d.vercel.projectId}), team ${d.vercel.orgId}
  GitHub API        ${d.github.api}   repository ${d.github.repository}
  Secret Manager    ${d.gcp.secretManager}   project ${d.gcp.project}
  Cloud Monitoring  ${d.gcp.monitoring}
  Cloud Storage     ${d.gcp.storage}   bucket gs://${d.gcp.bucket}
  Kubernetes API    ${d.kubernetes.api}   ${d.kubernetes.namespace}/${d.kubernetes.deployment}, gateway ${d.kubernetes.serviceUrl}
                    kubectl --kubeconfig ${shellQuote(d.kubernetes.kubeconfig)} get deploy,rs,pods,svc,cm -n ${d.kubernetes.namespace}
  Slack webhook     ${d.slack.webhookUrl}
  CA certificate    ${d.caCert}
  Production        ${d.app.productionDeploymentId} at ${d.app.productionUrl}

The sample app is a git repository, linked (garde.yml, .vercel/project.json):
  cd ${shellQuote(d.app.dir)}

Export, in the shell you drive it from:
${exports}

Then (the vercel CLI is npm's vercel, 50 or newer):
  garde deploy                                   # HEAD of the branch checked out (main → production)
  ${vercel} ls
  ${vercel} rollback ${d.app.productionDeploymentId} --yes
  garde rollback --to previous --reason "trying the sandbox"

On the cluster (KUBECONFIG above; kubectl 1.28 or newer):
  garde deploy --platform kubernetes --kubernetes-deployment ${d.kubernetes.deployment} --kubernetes-service ${d.kubernetes.service} --image-template '${TENANTS.registry}/api:{sha}'
  kubectl rollout history deployment/${d.kubernetes.deployment}
  garde maintenance on --reason "trying the sandbox"
  garde rate-limit 100 --reason "trying the sandbox"

.vercel/project.json:
  ${JSON.stringify(d.vercelProjectJson)}
`;
}
