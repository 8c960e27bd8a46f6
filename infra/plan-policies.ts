import type { PolicyPackConfig } from "@pulumi/policy";
import { POLICIES } from "../policies/all.ts";
import { type AnalyzedResource, analyze, type Violation } from "../policies/local-analyzer.ts";
import type { StackConfig } from "./config.ts";
import { overrideReasons, policyPackConfig } from "./policy-config.ts";
import { unwrapSecrets } from "./secret-values.ts";

/** A stack's policy results, as garde plan prints them. */
export interface PlanPolicies {
  /** The pack config this stack runs with (what `--policy-pack-config` would pass). */
  config: PolicyPackConfig;
  checked: number;
  /** Mandatory first, then advisory; each with the stack's reason when it set the level itself. */
  violations: (Violation & { reason?: string | undefined })[];
  /** Resources the stack exempts from a policy, and why. */
  exemptions: { policy: string; resources: string[]; reason: string }[];
}

export interface PolicySubject {
  type: string;
  name: string;
  urn: string;
  parentUrn?: string | undefined;
  inputs: Record<string, unknown>;
  protect: boolean;
  ignoreChanges: string[];
  dependsOnUrns: string[];
}

export async function checkPolicies(
  resources: readonly PolicySubject[],
  config: StackConfig,
): Promise<PlanPolicies> {
  const packConfig = policyPackConfig(config);
  const analyzed: AnalyzedResource[] = resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: unwrapSecrets(r.inputs) as Record<string, unknown>,
    protect: r.protect,
    ignoreChanges: r.ignoreChanges,
    parent: r.parentUrn,
    dependencies: r.dependsOnUrns,
  }));
  const { checked, violations } = await analyze(analyzed, POLICIES, packConfig);
  const reasons = overrideReasons(config);
  return {
    config: packConfig,
    checked: checked.length,
    violations: violations
      .map((v) => (reasons[v.policy] ? { ...v, reason: reasons[v.policy] } : v))
      .sort((a, b) => (a.enforcement === b.enforcement ? 0 : a.enforcement === "mandatory" ? -1 : 1)),
    exemptions: Object.entries(config.policies?.overrides ?? {}).flatMap(([policy, o]) =>
      o?.resources ? [{ policy, resources: o.resources, reason: o.reason }] : [],
    ),
  };
}
