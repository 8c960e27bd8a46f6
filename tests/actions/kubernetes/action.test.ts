import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TENANTS } from "../../../sandbox/kubernetes/cluster.ts";
import { type LocalCluster, startLocalCluster } from "../../../sandbox/kubernetes/local-cluster.ts";
import { type ResourceType, resourceByPlural } from "../../../sandbox/kubernetes/resources.ts";
import { runAction, visible } from "../../processes.ts";

const ENTRY = resolve(import.meta.dirname, "../../../actions/kubernetes/dist/index.js");
const SECRET_CANARY = "CANARY-api-key-5f1e";

let local: LocalCluster;

beforeAll(async () => {
  local = await startLocalCluster("garde-k8s-action-", { token: "action-token" });
  local.cluster.edit("", "secrets", TENANTS.namespace, TENANTS.secret, (s) => {
    (s as { data?: Record<string, string> }).data = {
      API_TOKEN: Buffer.from(SECRET_CANARY).toString("base64"),
    };
  });
});

afterAll(() => local.stop());

// KUBECONFIG as get-gke-credentials leaves it; the runner names the actor.
const run = (inputs: Record<string, string>) =>
  runAction(ENTRY, local.dir, inputs, { KUBECONFIG: local.kubeconfig, GITHUB_ACTOR: "oncall-amelie" });

describe("the kubernetes action (the runbook's switches as a workflow step)", () => {
  it("raises the rate limit once, records who and why, and changes nothing the second time", async () => {
    const inputs = { operation: "rate-limit", value: "100", reason: "credential stuffing from 3 ASNs" };
    const first = await run(inputs);
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs).toMatchObject({ changed: "true", before: "50", after: "100" });
    expect(first.outputs.undo).toMatch(/^garde rate-limit \S+ --reason/);
    expect(first.summary).toContain("oncall-amelie: credential stuffing from 3 ASNs");
    const cm = local.cluster.store.get(
      resourceByPlural("", "configmaps") as ResourceType,
      TENANTS.namespace,
      TENANTS.configMap,
    ) as { data?: Record<string, string> };
    expect(cm.data?.global).toBe("100");
    const again = await run(inputs);
    expect(again.code).toBe(0);
    expect(again.outputs.changed).toBe("false");
  });

  it("writes the snapshot file with Secret names and keys, never a value", async () => {
    const out = join(local.dir, "configs.yaml");
    const r = await run({ operation: "snapshot-config", out });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs["snapshot-path"]).toBe(out);
    const yaml = readFileSync(out, "utf8");
    expect(yaml).toContain("name: rate-limits");
    expect(yaml).toContain("- API_TOKEN");
    expect(yaml).not.toContain(SECRET_CANARY);
    expect(yaml).not.toContain(Buffer.from(SECRET_CANARY).toString("base64"));
    expect(visible(r)).not.toContain(SECRET_CANARY);
  });

  it("refuses bad input with exit 2, naming the input, before touching the cluster", async () => {
    const bad = await run({ operation: "maintenance", value: "maybe" });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/value: must be on or off for maintenance/);
    expect(bad.stdout).toMatch(/reason: is required: why/);
    const missing = await run({
      operation: "maintenance",
      value: "on",
      reason: "Firestore incident",
      "kubernetes-namespace": "staging",
    });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/namespace staging/);
  });
});
