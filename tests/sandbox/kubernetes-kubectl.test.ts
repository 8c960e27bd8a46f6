import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubernetesEmulator, TENANTS } from "../../sandbox/kubernetes/cluster.ts";
import { type LocalCluster, startLocalCluster } from "../../sandbox/kubernetes/local-cluster.ts";

/** The real kubectl, as installed on the machine: never skipped, a clear failure when missing. */
async function kubectlPath(): Promise<string> {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const candidate = join(dir, "kubectl");
    try {
      await promisify(execFile)(candidate, ["version", "--client"]);
      return candidate;
    } catch {}
  }
  throw new Error(
    "kubectl is not installed: install it (https://kubernetes.io/docs/tasks/tools/, or apt-get install kubectl from the Kubernetes apt repository) to run the cluster emulator's tests",
  );
}

describe("the cluster emulator, driven by the real kubectl", () => {
  let dir: string;
  let cluster: KubernetesEmulator;
  let kubectlBin: string;
  let kubeconfig: string;
  let testCluster: LocalCluster;

  const kubectl = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        kubectlBin,
        ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args],
        { timeout: 30_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const ok = async (...args: string[]) => {
    const r = await kubectl(...args);
    expect(r.code, `kubectl ${args.join(" ")}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    kubectlBin = await kubectlPath();
    // Verified TLS: the kubeconfig names the sandbox CA, nothing is skipped.
    testCluster = await startLocalCluster("garde-kubectl-", { token: "sandbox-cluster-token" });
    ({ dir, cluster, kubeconfig } = testCluster);
  });

  afterAll(() => testCluster.stop());

  it("rolls out the seeded API and lists it: kubectl rollout status, kubectl get deploy,rs,pods,svc,cm", async () => {
    expect(await ok("rollout", "status", `deployment/${TENANTS.deployment}`, "--timeout=20s")).toContain(
      'deployment "api-server" successfully rolled out',
    );
    const listing = await ok("get", "deploy,rs,pods,svc,cm", "-n", "production");
    expect(listing).toMatch(/deployment\.apps\/api-server\s+2\/2\s+2\s+2/);
    expect(listing).toMatch(/replicaset\.apps\/api-server-\w+\s+2\s+2\s+2/);
    expect(listing.match(/pod\/api-server-\w+-\w+\s+1\/1\s+Running/g)).toHaveLength(2);
    expect(listing).toMatch(/service\/api-gateway\s+LoadBalancer\s+10\.96\.0\.10\s+127\.0\.0\.1\s+80\/TCP/);
    expect(listing).toMatch(/configmap\/rate-limits\s+1/);
  });

  it("sets a variable as the runbook does, rolls it out, and the pods answer with it", async () => {
    expect(await ok("set", "env", "deployment/api-server", "READ_ONLY_MODE=true")).toContain("env updated");
    await ok("rollout", "status", "deployment/api-server", "--timeout=20s");
    const url = cluster.controller.serviceUrl("production", "api-gateway") as string;
    const write = await fetch(`${url}/api/status`, { method: "POST" });
    expect(write.status).toBe(503);
    expect(write.headers.get("x-read-only-mode")).toBe("true");
  });

  it("shows the history and undoes the last rollout to the earlier ReplicaSet", async () => {
    const before = await ok("rollout", "history", "deployment/api-server");
    expect(before).toMatch(/REVISION\s+CHANGE-CAUSE\s+1\s+<none>\s+2\s+<none>/);
    const replicaSets = (await ok("get", "rs", "-o", "name")).trim().split("\n");
    expect(await ok("rollout", "undo", "deployment/api-server")).toContain("rolled back");
    await ok("rollout", "status", "deployment/api-server", "--timeout=20s");
    // The first ReplicaSet came back as revision 3; no third one was made.
    expect((await ok("get", "rs", "-o", "name")).trim().split("\n")).toEqual(replicaSets);
    expect(await ok("rollout", "history", "deployment/api-server")).toMatch(
      /REVISION\s+CHANGE-CAUSE\s+2\s+<none>\s+3\s+<none>/,
    );
    const url = cluster.controller.serviceUrl("production", "api-gateway") as string;
    expect((await fetch(`${url}/api/status`, { method: "POST" })).status).not.toBe(503);
  });

  it("patches a ConfigMap and a Service selector with strategic merge, and backs ConfigMaps up as YAML", async () => {
    expect(await ok("patch", "configmap", "rate-limits", "-p", '{"data":{"global":"100"}}')).toContain(
      "patched",
    );
    expect(
      await ok("patch", "service", "api-gateway", "-p", '{"spec":{"selector":{"version":"v2"}}}'),
    ).toContain("patched");
    expect(await ok("get", "service", "api-gateway", "-o", "jsonpath={.spec.selector}")).toBe(
      '{"app":"api-server","version":"v2"}',
    );
    // No pod is labelled v2: the gateway has no endpoint left, as on a cluster.
    const url = cluster.controller.serviceUrl("production", "api-gateway") as string;
    expect((await fetch(url)).status).toBe(503);
    const yaml = await ok("get", "configmaps", "-o", "yaml");
    expect(yaml).toMatch(/kind: List[\s\S]*/);
    expect(yaml).toMatch(/global: "100"/);
  });
});
