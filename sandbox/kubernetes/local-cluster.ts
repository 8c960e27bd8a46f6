import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { SampleApp } from "../sample-app.ts";
import { createSandboxTls } from "../tls.ts";
import { KubernetesEmulator, TENANTS } from "./cluster.ts";

export interface LocalCluster {
  dir: string;
  app: SampleApp;
  cluster: KubernetesEmulator;
  /** The kubeconfig file: this cluster over verified TLS (it names the sandbox CA). */
  kubeconfig: string;
  kubeConfig(): KubeConfig;
  /** garde's platform inputs for the tenants API on this cluster (platform kubernetes). */
  inputs(extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The emulated cluster with the tenants API seeded and its gateway up, in a temp dir of its own,
 * for tests and benches. Given an app (a sandbox's), its pods serve that repository's commits.
 */
export async function startLocalCluster(
  prefix: string,
  opts: { token?: string; app?: SampleApp; podStartMs?: number } = {},
): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const app = opts.app ?? SampleApp.create();
  const tls = await createSandboxTls(dir);
  const cluster = new KubernetesEmulator({
    token: opts.token ?? "test-cluster-token",
    app,
    podStartMs: opts.podStartMs ?? 30,
  });
  const kubeconfig = join(dir, "kubeconfig");
  await cluster.launch({
    listen: { tls },
    caPath: tls.caPath,
    kubeconfig,
    sha: app.git("rev-parse", "main"),
  });
  return {
    dir,
    app,
    cluster,
    kubeconfig,
    kubeConfig: () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      return kc;
    },
    inputs: (extra = {}) => ({
      platform: "kubernetes",
      kubeconfig,
      "kubernetes-namespace": TENANTS.namespace,
      "kubernetes-deployment": TENANTS.deployment,
      "kubernetes-service": TENANTS.service,
      "image-template": `${TENANTS.registry}/api:{sha}`,
      ...extra,
    }),
    async stop() {
      await cluster.stop();
      if (!opts.app) app.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
