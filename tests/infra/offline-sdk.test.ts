import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import type { Output } from "@pulumi/pulumi";
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

describe("offlineRuntime: a resource's properties", () => {
  /** A resource registered under mocks with offlineRuntime on; the mock echoes inputs, or fails. */
  async function register(newResource: (inputs: Record<string, unknown>) => Record<string, unknown>) {
    const pulumi = await import("@pulumi/pulumi");
    const { offlineRuntime } = await import("../../infra/offline-sdk.ts");
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => ({ id: `${args.name}-id`, state: newResource(args.inputs) }),
        call: () => ({}),
      },
      "garde",
      "test",
      false,
    );
    const restore = offlineRuntime();
    try {
      // A provider's resource class, as @pulumi/gcp's are: a CustomResource subclass with its type.
      class Thing extends pulumi.CustomResource {}
      const thing = new Thing("test:index:Thing", "a", { size: 3, label: undefined });
      return { pulumi, thing: thing as unknown as Record<string, Output<unknown>> };
    } finally {
      restore();
    }
  }
  const settledValue = (output: Output<unknown>) =>
    new Promise((resolve, reject) => {
      (output as unknown as { promise(): Promise<unknown> }).promise().then(resolve, reject);
    });

  it("are Outputs that resolve to the registered state, read before or after the registration", async () => {
    const { pulumi, thing } = await register((inputs) => ({ ...inputs, label: "computed" }));
    const early = thing.size;
    expect(pulumi.Output.isInstance(early)).toBe(true);
    expect(Object.keys(thing)).toEqual(expect.arrayContaining(["size", "label"]));
    expect(await settledValue(early as Output<unknown>)).toBe(3);
    expect(thing.size).toBe(early); // one Output per property, as the SDK makes
    expect(await settledValue(thing.label as Output<unknown>)).toBe("computed");
    expect(await settledValue(thing.id as Output<unknown>)).toBe("a-id");
  });

  it("reject with the registration's error, read before or after it fails", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const { lazyTransferProperties } = await import("../../infra/offline-sdk.ts");
    const onto: Record<string, unknown> = {};
    const resolvers = lazyTransferProperties(pulumi.Output as never, () => false)(onto, "thing", {
      size: 3,
      label: "x",
      id: "ignored",
    });
    expect(Object.keys(resolvers)).toEqual(["size", "label"]); // id and urn are the registration's
    const early = onto.size as Output<unknown>;
    const failure = new Error("quota exceeded");
    resolvers.size?.(undefined, true, false, [], failure);
    resolvers.label?.(undefined, true, false, [], failure);
    for (const output of [early, onto.label] as unknown as Record<string, Promise<unknown>>[]) {
      // All four of an Output's promises reject, as the SDK's own do.
      for (const part of ["isKnown", "isSecret", "allResources"])
        await expect(output[part]).rejects.toBe(failure);
      await expect(settledValue(output as never)).rejects.toBe(failure);
    }
  });

  it("are the SDK's own again once the plan is done", async () => {
    const { offlineRuntime } = await import("../../infra/offline-sdk.ts");
    const { createRequire } = await import("node:module");
    const sdk = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"));
    const rpc = sdk("./runtime/rpc.js") as { transferProperties: unknown };
    const original = rpc.transferProperties;
    offlineRuntime()();
    expect(rpc.transferProperties).toBe(original);
  });
});
