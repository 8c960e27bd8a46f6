import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { KubernetesEmulator } from "../sandbox/kubernetes/cluster.ts";
import { SampleApp } from "../sandbox/sample-app.ts";
import { createSandboxTls } from "../sandbox/tls.ts";

export interface TestCluster {
  dir: string;
  app: SampleApp;
  cluster: KubernetesEmulator;
  /** The kubeconfig file: this cluster over verified TLS (it names the sandbox CA). */
  kubeconfig: string;
  kubeConfig(): KubeConfig;
  stop(): Promise<void>;
}

/** The emulated cluster with the tenants API seeded and its gateway up, in a temp dir of its own. */
export async function startTestCluster(prefix: string, token = "test-cluster-token"): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const app = SampleApp.create();
  const tls = await createSandboxTls(dir);
  const cluster = new KubernetesEmulator({ token, app, podStartMs: 30 });
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
    async stop() {
      await cluster.stop();
      app.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
