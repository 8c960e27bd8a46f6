import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readYaml } from "../../actions/lib/yaml-text.ts";
import { main } from "../../cli/garde.ts";
import type { KubernetesEmulator } from "../../sandbox/kubernetes/cluster.ts";
import { type LocalCluster, startLocalCluster } from "../../sandbox/kubernetes/local-cluster.ts";
import { type ResourceType, resourceByPlural } from "../../sandbox/kubernetes/resources.ts";

/**
 * The tenants runbook's switches as garde commands, against the emulated cluster through the
 * kubeconfig it writes: what answers HTTP behind the gateway is what the tests look at.
 */
let dir: string;
let cluster: KubernetesEmulator;
let kubeconfig: string;

async function garde(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(
    argv,
    { KUBECONFIG: kubeconfig, USER: "oncall-amelie" },
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir },
  );
  return { code, stdout, stderr };
}

const gateway = () => cluster.controller.serviceUrl("production", "api-gateway") as string;
const kind = (group: "" | "apps", plural: string) => resourceByPlural(group, plural) as ResourceType;
const replicaSets = () => cluster.store.list(kind("apps", "replicasets"));

let testCluster: LocalCluster;

beforeAll(async () => {
  testCluster = await startLocalCluster("garde-k8s-ops-", { token: "ops-token" });
  ({ dir, cluster, kubeconfig } = testCluster);
});

afterAll(() => testCluster.stop());

describe("garde maintenance", () => {
  it("turns read-only mode on (one rollout), changes nothing when already on, and off again", async () => {
    const on = await garde("maintenance", "on", "--reason", "Firestore incident: writes off", "--json");
    expect(on.code, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({
      changed: true,
      rolledOut: true,
      before: "READ_ONLY_MODE=false",
      after: "READ_ONLY_MODE=true",
      actor: "oncall-amelie",
      undo: 'garde maintenance off --reason "…"',
    });
    expect((await fetch(`${gateway()}/api/status`, { method: "POST" })).status).toBe(503);
    const sets = replicaSets().length;
    const again = await garde("maintenance", "on", "--reason", "double-check");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Change\s+already READ_ONLY_MODE=true: nothing changed/);
    expect(replicaSets()).toHaveLength(sets);
    const off = await garde("maintenance", "off", "--reason", "Firestore back");
    expect(off.code, off.stderr).toBe(0);
    expect((await fetch(`${gateway()}/api/status`, { method: "POST" })).status).not.toBe(503);
    const record = cluster.store.list(kind("apps", "deployments"))[0]?.metadata.annotations?.[
      "garde.dev/last-operation"
    ];
    expect(JSON.parse(record as string)).toMatchObject({
      operation: "maintenance",
      value: "READ_ONLY_MODE=false",
      actor: "oncall-amelie",
      reason: "Firestore back",
    });
  });

  it("refuses a missing reason, a missing namespace and an unknown state with exit 2, naming each", async () => {
    const noReason = await garde("maintenance", "on");
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('say why with --reason "…"');
    const noNamespace = await garde("maintenance", "on", "--namespace", "staging", "--reason", "x");
    expect(noNamespace.code).toBe(2);
    expect(noNamespace.stderr).toContain("namespace staging does not exist on the cluster");
    const state = await garde("maintenance", "maybe", "--reason", "x");
    expect(state.code).toBe(2);
    expect(state.stderr).toContain('garde maintenance takes on or off, got "maybe"');
  });
});

describe("garde rate-limit", () => {
  it("patches the ConfigMap key and restarts the pods that read it at start; the same value again changes nothing", async () => {
    const raised = await garde("rate-limit", "100", "--reason", "credential stuffing", "--json");
    expect(raised.code, raised.stderr).toBe(0);
    expect(JSON.parse(raised.stdout)).toMatchObject({
      before: "50",
      after: "100",
      changed: true,
      rolledOut: true,
    });
    const answer = await fetch(gateway());
    expect(answer.headers.get("x-ratelimit-limit")).toBe("100");
    const sets = replicaSets().length;
    const same = await garde("rate-limit", "100", "--reason", "again", "--json");
    expect(JSON.parse(same.stdout)).toMatchObject({ changed: false, rolledOut: false });
    expect(replicaSets()).toHaveLength(sets);
    const bad = await garde("rate-limit", "lots", "--reason", "x");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the rate limit must be a whole number of requests, got "lots"');
  });
});

describe("garde switch-traffic", () => {
  it("refuses a version no ready pod runs (exit 1), leaving traffic where it was; the current one changes nothing", async () => {
    const refused = await garde("switch-traffic", "v2", "--reason", "cut over");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("no ready pod matches app=api-server,version=v2 (0 pods, 0 ready)");
    expect((await fetch(gateway())).status).toBe(200);
    const same = await garde("switch-traffic", "v1", "--reason", "x", "--json");
    expect(JSON.parse(same.stdout)).toMatchObject({ changed: false, before: "v1", after: "v1" });
  });
});

describe("garde snapshot-config", () => {
  it("writes ConfigMaps whole and Secrets by name and keys, never a value", async () => {
    const r = await garde("snapshot-config", "--out", "configs.yaml");
    expect(r.code, r.stderr).toBe(0);
    const yaml = readFileSync(join(dir, "configs.yaml"), "utf8");
    const snapshot = readYaml(yaml) as {
      configMaps: { name: string; data: Record<string, string> }[];
      secrets: { name: string; type: string; keys: string[] }[];
    };
    expect(snapshot.configMaps.find((c) => c.name === "rate-limits")?.data).toEqual({ global: "100" });
    expect(snapshot.secrets).toContainEqual({ name: "api-keys", type: "Opaque", keys: ["API_TOKEN"] });
    // The seeded secret value, plain or as the API stores it (base64), is nowhere.
    expect(yaml).not.toContain("tok_seed_value");
    expect(yaml).not.toContain(Buffer.from("tok_seed_value").toString("base64"));
  });
});
