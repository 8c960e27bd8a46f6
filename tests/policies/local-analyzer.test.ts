import { describe, expect, it } from "vitest";
import { POLICIES } from "../../policies/all.ts";
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
});
