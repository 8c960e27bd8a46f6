import type { Output } from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";

describe("offlineRuntime: a resource's properties", () => {
  /** A resource registered under mocks with offlineRuntime on; the mock echoes inputs, or fails. */
  async function register(newResource: (inputs: Record<string, unknown>) => Record<string, unknown>) {
    const pulumi = await import("@pulumi/pulumi");
    const { offlineRuntime } = await import("../../../infra/offline-sdk.ts");
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
    const { lazyTransferProperties } = await import("../../../infra/offline-sdk/lazy-outputs.ts");
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
    const { offlineRuntime } = await import("../../../infra/offline-sdk.ts");
    const { createRequire } = await import("node:module");
    const sdk = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"));
    const rpc = sdk("./runtime/rpc.js") as { transferProperties: unknown };
    const original = rpc.transferProperties;
    offlineRuntime()();
    expect(rpc.transferProperties).toBe(original);
  });
});
