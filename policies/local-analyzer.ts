import type {
  EnforcementLevel,
  Policies,
  Policy,
  PolicyPackConfig,
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

/**
 * Runs the pack's policies over a stack's resources as the Pulumi engine's analyzer does
 * (validateResource per resource, then validateStack once), without the CLI or the pack's gRPC
 * server: how garde plan checks every stack offline. Enforcement and settings come from a pack
 * config in the shape `pulumi preview --policy-pack-config` reads.
 */

export interface AnalyzedResource {
  type: string;
  name: string;
  urn: string;
  /** Inputs as plain JSON: secrets already unwrapped, as the engine hands them to policies. */
  props: Record<string, unknown>;
  protect: boolean;
  ignoreChanges: string[];
  /** URN of the parent, if any. */
  parent?: string | undefined;
  /** URNs of the resources it depends on. */
  dependencies: string[];
}

export interface Violation {
  policy: string;
  enforcement: "advisory" | "mandatory";
  severity?: string | undefined;
  /** The resource at fault; none when the stack as a whole is. */
  urn?: string | undefined;
  resource?: string | undefined;
  message: string;
  /** How to fix it: the policy's remediation steps. */
  fix?: string | undefined;
}

export interface Analysis {
  /** Policies that ran (not disabled). */
  checked: string[];
  violations: Violation[];
}

/** Thrown by notApplicable(): not an Error, so it costs no stack trace (a plan throws it thousands of times). */
class NotApplicable {
  readonly reason: string | undefined;
  constructor(reason?: string) {
    this.reason = reason;
  }
}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

/** The policy's level: its own entry in the config, else `all`, else its own, else the pack's. */
export function enforcementOf(
  policy: Policy,
  config: PolicyPackConfig,
  packLevel: EnforcementLevel,
): EnforcementLevel {
  const level = (entry: PolicyPackConfig[string] | undefined) =>
    typeof entry === "string" ? entry : entry?.enforcementLevel;
  return level(config[policy.name]) ?? level(config.all) ?? policy.enforcementLevel ?? packLevel;
}

function settingsFor(policy: Policy, config: PolicyPackConfig) {
  return () => {
    const entry = config[policy.name];
    if (!entry || typeof entry === "string") return {};
    const { enforcementLevel: _, ...settings } = entry;
    return settings;
  };
}

/** Type check the way @pulumi/policy does: by the class's Pulumi type token. */
const isTypeOf = (type: string) => (resourceClass: unknown) =>
  (resourceClass as { __pulumiType?: string }).__pulumiType === type;

const stackTags: ReadonlyMap<string, string> = new Map();

export async function analyze(
  resources: readonly AnalyzedResource[],
  policies: Policies,
  config: PolicyPackConfig = {},
  packLevel: EnforcementLevel = "mandatory",
): Promise<Analysis> {
  const byUrn = new Map<string, PolicyResource>();
  const asPolicyResource = (r: AnalyzedResource): PolicyResource => {
    const known = byUrn.get(r.urn);
    if (known) return known;
    const isType = isTypeOf(r.type);
    const resource: PolicyResource = {
      type: r.type,
      props: r.props,
      urn: r.urn,
      name: r.name,
      opts: {
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
      },
      dependencies: [],
      propertyDependencies: {},
      isType,
      asType: ((c: unknown) => (isType(c) ? r.props : undefined)) as PolicyResource["asType"],
    };
    byUrn.set(r.urn, resource);
    return resource;
  };
  const stack = resources.map(asPolicyResource);
  const of = new Map(resources.map((r) => [r.urn, r]));
  for (const r of resources) {
    const resource = byUrn.get(r.urn) as PolicyResource;
    if (r.parent && byUrn.has(r.parent)) resource.parent = byUrn.get(r.parent);
    resource.dependencies = r.dependencies.flatMap((u) =>
      byUrn.has(u) ? [byUrn.get(u) as PolicyResource] : [],
    );
  }

  const checked: string[] = [];
  const violations: Violation[] = [];
  for (const policy of policies) {
    const level = enforcementOf(policy, config, packLevel);
    if (level === "disabled") continue;
    checked.push(policy.name);
    const enforcement = level === "advisory" ? "advisory" : "mandatory";
    const reporter =
      (fallback?: AnalyzedResource): ReportViolation =>
      (message, urn) => {
        const at = urn ? of.get(urn) : fallback;
        violations.push({
          policy: policy.name,
          enforcement,
          severity: policy.severity,
          urn: at?.urn ?? urn,
          resource: at?.name,
          message,
          fix: policy.remediationSteps,
        });
      };
    const getConfig = settingsFor(policy, config) as <T extends object>() => T;
    const validations = ([] as ResourceValidation[]).concat(
      (policy as ResourceValidationPolicy).validateResource ?? [],
    );
    for (const r of resources) {
      const resource = byUrn.get(r.urn) as PolicyResource;
      for (const validate of validations) {
        // The analyzer's fast check: a validation made for one type (validateResourceOfType tags
        // it with that type's token) is not applicable to others, and is not called for them.
        const onlyFor = (validate as { __pulumiType?: unknown }).__pulumiType;
        if (typeof onlyFor === "string" && onlyFor !== "" && onlyFor !== r.type) continue;
        try {
          // Most validations are synchronous: awaiting only the promises saves a microtask per
          // policy and resource (a plan of 150 stacks makes some 300,000 of these calls).
          const pending = validate(
            {
              type: r.type,
              props: r.props,
              urn: r.urn,
              name: r.name,
              opts: resource.opts,
              stackTags,
              isType: resource.isType,
              asType: resource.asType as never,
              getConfig,
              notApplicable,
            },
            reporter(r),
          );
          if (pending instanceof Promise) await pending;
        } catch (err) {
          if (!(err instanceof NotApplicable)) throw err;
        }
      }
    }
    const validateStack = (policy as StackValidationPolicy).validateStack;
    if (validateStack) {
      try {
        await validateStack({ resources: stack, stackTags, getConfig, notApplicable }, reporter());
      } catch (err) {
        if (!(err instanceof NotApplicable)) throw err;
      }
    }
  }
  return { checked, violations };
}
