import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describe, expect, it, vi } from "vitest";
import { POLICIES } from "../../policies/all.ts";
import { withExemptions } from "../../policies/exemptions.ts";
import { type AnalyzedResource, analyze } from "../../policies/local-analyzer.ts";

const bucket = (name: string, publicAccessPrevention: string): AnalyzedResource => ({
  type: "gcp:storage/bucket:Bucket",
  name,
  urn: `urn:pulumi:prod::garde::gcp:storage/bucket:Bucket::${name}`,
  props: { name, uniformBucketLevelAccess: true, publicAccessPrevention },
  protect: true,
  ignoreChanges: [],
  dependencies: [],
});

const pap = (config: Parameters<typeof analyze>[2]) =>
  analyze([bucket("assets", "inherited"), bucket("logs", "inherited")], POLICIES, config).then((a) =>
    a.violations.filter((v) => v.policy === "bucket-public-access-prevention"),
  );

describe("the local analyzer, as the engine resolves a pack config", () => {
  it("blocks by default: the pack fails closed", async () => {
    expect((await pap({})).map((v) => [v.resource, v.enforcement])).toEqual([
      ["assets", "mandatory"],
      ["logs", "mandatory"],
    ]);
  });

  it("lets a policy's own entry win over all", async () => {
    const violations = await pap({ all: "advisory", "bucket-public-access-prevention": "mandatory" });
    expect(violations.map((v) => v.enforcement)).toEqual(["mandatory", "mandatory"]);
    expect((await pap({ all: "advisory" })).map((v) => v.enforcement)).toEqual(["advisory", "advisory"]);
  });

  it("runs nothing a config disables, and skips the resources it exempts", async () => {
    const disabled = await analyze([bucket("assets", "inherited")], POLICIES, {
      "bucket-public-access-prevention": "disabled",
    });
    expect(disabled.checked).not.toContain("bucket-public-access-prevention");
    expect(disabled.violations.map((v) => v.policy)).not.toContain("bucket-public-access-prevention");
    const exempt = await pap({
      "bucket-public-access-prevention": { enforcementLevel: "mandatory", exemptResources: ["logs"] },
    });
    expect(exempt.map((v) => v.resource)).toEqual(["assets"]);
  });

  it("gives each violation the policy's fix", async () => {
    const [v] = await pap({});
    expect(v?.fix).toBe('Set publicAccessPrevention: "enforced" on the bucket.');
  });

  it("calls a validation made for one type only on resources of that type, exemptions kept", async () => {
    const seen = vi.fn();
    // As validateResourceOfType tags one: a validation for buckets only.
    const validation = Object.assign((args: { type: string; name: string }) => seen(args.type, args.name), {
      __pulumiType: "gcp:storage/bucket:Bucket",
    });
    const policy = withExemptions<ResourceValidationPolicy>({
      name: "buckets-only",
      description: "sees buckets",
      validateResource: validation,
    });
    // Still one validation, tagged: the engine's own analyzer skips other types by the tag too.
    expect(Array.isArray(policy.validateResource)).toBe(false);
    expect((policy.validateResource as { __pulumiType?: string }).__pulumiType).toBe(
      "gcp:storage/bucket:Bucket",
    );
    const topic: AnalyzedResource = { ...bucket("events", "enforced"), type: "gcp:pubsub/topic:Topic" };
    const analysis = await analyze(
      [topic, bucket("assets", "enforced"), bucket("logs", "enforced")],
      [policy],
      {
        "buckets-only": { enforcementLevel: "mandatory", exemptResources: ["logs"] },
      },
    );
    expect(seen.mock.calls).toEqual([["gcp:storage/bucket:Bucket", "assets"]]);
    expect(analysis.checked).toEqual(["buckets-only"]);
  });
});
