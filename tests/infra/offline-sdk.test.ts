import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

/**
 * In a process of its own (Node's module cache is per process): imports offline-sdk.ts, then the
 * SDK, and reports whether TypeScript, @npmcli/arborist and the Automation API were loaded, then
 * uses them through the SDK (a closure serialized, code paths computed, a workspace class read)
 * and reports again.
 */
const PROBE = `
import "./infra/offline-sdk.ts";
import { createRequire, Module } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
const require = createRequire(import.meta.url);
const loaded = () => ({
  typescript: Object.keys(require.cache).some((f) => f.endsWith("/typescript/lib/typescript.js")),
  arborist: Object.keys(require.cache).some((f) => f.endsWith("/arborist/lib/arborist/index.js")),
  automation: Object.keys(require.cache).some((f) => f.endsWith("/pulumi/automation/stack.js")),
  // A namespace put off has a stand-in in the cache until it loads.
  gcpBigquery: require.cache[require.resolve("@pulumi/gcp/bigquery/index.js")] instanceof Module,
  k8sHelm: require.cache[require.resolve("@pulumi/kubernetes/helm/index.js")] instanceof Module,
});
const atStart = loaded();
const closure = await pulumi.runtime.serializeFunction(() => 40 + 2);
const paths = await pulumi.runtime.computeCodePaths({ extraIncludePackages: ["yaml"] });
const workspace = typeof pulumi.automation.LocalWorkspace.create;
const automationKeys = Object.keys(pulumi.automation);
const providerClasses = [gcp.bigquery.Dataset.__pulumiType, k8s.helm.v3.Release.__pulumiType];
console.log(JSON.stringify({
  atStart,
  afterUse: loaded(),
  closure: closure.text,
  yamlIncluded: [...paths.keys()].some((p) => p.includes("node_modules/yaml")),
  workspace,
  listsLocalWorkspace: automationKeys.includes("LocalWorkspace"),
  providerClasses,
  namespaceKeys: Object.keys(gcp.bigquery).includes("Dataset"),
}));
`;

describe("the SDK, loaded for an offline plan", () => {
  it("puts off TypeScript, @npmcli/arborist, the Automation API and the provider namespaces the program does not use until they are used, and they then work", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx/esm", "--input-type=module", "-e", PROBE],
      { cwd: root, timeout: 60_000 },
    );
    const report = JSON.parse(stdout.trim().split("\n").pop() as string);
    const none = {
      typescript: false,
      arborist: false,
      automation: false,
      gcpBigquery: false,
      k8sHelm: false,
    };
    expect(report.atStart).toEqual(none);
    expect(report.afterUse).toEqual(Object.fromEntries(Object.keys(none).map((k) => [k, true])));
    expect(report.providerClasses).toEqual(["gcp:bigquery/dataset:Dataset", "kubernetes:helm.sh/v3:Release"]);
    expect(report.namespaceKeys).toBe(true);
    expect(report.workspace).toBe("function");
    expect(report.listsLocalWorkspace).toBe(true);
    expect(report.closure).toMatch(/return \(\)\s*=>\s*40\s*\+\s*2/);
    expect(report.yamlIncluded).toBe(true);
  });
});
