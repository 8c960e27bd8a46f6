import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";
import { POLICY_NAMES, PRODUCTION_ONLY } from "../policies/all.ts";
import { EXEMPT } from "../policies/exemptions.ts";
import { MIN_RETENTION_DAYS, type StackConfig } from "./config.ts";

/**
 * The policy pack config of one stack, as `pulumi preview --policy-pack-config FILE` reads it:
 * mandatory in prod, advisory in dev and staging (production-only policies off there), the
 * stack's `garde:policies` on top, and the settings that follow from its environment.
 */
export function policyPackConfig(config: StackConfig): PolicyPackConfig {
  const prod = config.environment === "prod";
  const base: EnforcementLevel = config.policies?.enforcement ?? (prod ? "mandatory" : "advisory");
  const settings: Record<string, Record<string, unknown>> = {
    "backup-bucket-retention": { minimumRetentionDays: MIN_RETENTION_DAYS[config.environment] },
  };
  return Object.fromEntries(
    POLICY_NAMES.map((name) => {
      const override = config.policies?.overrides[name];
      const level = override?.enforcement ?? (PRODUCTION_ONLY.has(name) && !prod ? "disabled" : base);
      const exempt = override?.resources ? { [EXEMPT]: override.resources } : {};
      return [name, { enforcementLevel: level, ...settings[name], ...exempt }];
    }),
  );
}

/** Why a stack set a policy's level itself, for the reviewer reading its violations. */
export function overrideReasons(config: StackConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config.policies?.overrides ?? {}).map(([name, o]) => [name, o?.reason ?? ""]),
  );
}
