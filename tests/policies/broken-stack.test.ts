import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config.ts";
import { checkPolicies, type PolicySubject } from "../../infra/plan-policies.ts";
import { CANARY, declareBrokenStack } from "../fixtures/policies/broken-stack.ts";

/** The fixture's resources as the engine would hand them over: inputs, protect, URNs. */
async function evaluate(program: (parent: pulumi.Resource) => void): Promise<PolicySubject[]> {
  const subjects: PolicySubject[] = [];
  const protect = new Map<string, boolean>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        subjects.push({
          type: args.type,
          name: args.name,
          urn: `urn:pulumi:prod::garde::${args.type}::${args.name}`,
          inputs: args.inputs,
          protect: protect.get(args.name) ?? false,
          ignoreChanges: [],
          dependsOnUrns: [],
        });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => {
        throw new Error("the broken stack calls no data source");
      },
    },
    "garde",
    "prod",
    false,
  );
  const record: pulumi.ResourceTransformation = ({ name, opts }) => {
    protect.set(name, Boolean(opts.protect));
    return undefined;
  };
  program(new pulumi.ComponentResource("garde:test:Stack", "broken", {}, { transformations: [record] }));
  const settings = (await import("@pulumi/pulumi/runtime/settings.js")) as unknown as {
    waitForRPCs: () => Promise<void>;
  };
  await settings.waitForRPCs();
  return subjects;
}

let subjects: PolicySubject[] = [];
beforeAll(async () => {
  subjects = await evaluate(declareBrokenStack);
});

describe("a deliberately broken production stack", () => {
  it("fails with exactly the expected violations, each mandatory", async () => {
    const prod = parseStackConfig({ environment: "prod", app: { name: "broken" } }, "broken");
    const { violations } = await checkPolicies(subjects, prod);
    expect(violations.map((v) => [v.policy, v.resource ?? "(stack)", v.enforcement]).sort()).toEqual(
      [
        ["bucket-public-access-prevention", "broken-backups", "mandatory"],
        ["bucket-no-public-grant", "broken-backups-public", "mandatory"],
        ["vercel-secret-env-sensitive", "broken-web-env", "mandatory"],
        ["prod-datastore-backups", "(stack)", "mandatory"],
        ["k8s-image-tagged", "broken-api", "mandatory"],
        ["no-service-account-keys", "broken-deployer-key", "mandatory"],
        ["github-oidc-pins-repository", "broken-github", "mandatory"],
      ].sort(),
    );
    expect(JSON.stringify(violations)).not.toContain(CANARY);
  });

  it("is only advised against in staging, where production-only policies are off", async () => {
    const staging = parseStackConfig({ environment: "staging", app: { name: "broken" } }, "broken");
    const { violations } = await checkPolicies(subjects, staging);
    expect(new Set(violations.map((v) => v.enforcement))).toEqual(new Set(["advisory"]));
    expect(violations.map((v) => v.policy)).not.toContain("prod-datastore-backups");
    expect(violations).toHaveLength(6);
  });
});
