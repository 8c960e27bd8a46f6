import type {
  Policy,
  ReportViolation,
  ResourceValidation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

/**
 * Named resources a policy leaves alone in one stack, each for a reason the stack config gives
 * (garde:policies.overrides.POLICY.resources): as Checkov's inline skips, but in config a
 * reviewer reads in the plan. The pack config carries them, so `pulumi preview` honours them too.
 */
export const EXEMPT = "exemptResources";

const exemptOf = (given: object) =>
  ((given as Record<string, unknown>)[EXEMPT] as string[] | undefined) ?? [];
const nameInUrn = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** A validation that first leaves the stack's exempt resources alone, tagged with its type as before. */
function exemptable(validate: ResourceValidation): ResourceValidation {
  const checked: ResourceValidation = (args, report) => {
    if (exemptOf(args.getConfig()).includes(args.name)) args.notApplicable("exempt in this stack");
    return validate(args, report);
  };
  // validateResourceOfType tags a validation with its type; the analyzer skips other types by it.
  return Object.assign(checked, { __pulumiType: (validate as { __pulumiType?: string }).__pulumiType });
}

export function withExemptions<P extends Policy>(policy: P): P {
  const configSchema = {
    ...policy.configSchema,
    properties: {
      ...policy.configSchema?.properties,
      [EXEMPT]: {
        type: "array" as const,
        items: { type: "string" as const },
        default: [],
        description: "Resource names this policy does not apply to in this stack (garde:policies.overrides)",
      },
    },
  };
  const wrapped: Policy = { ...policy, configSchema };
  const validations = (policy as Partial<ResourceValidationPolicy>).validateResource;
  // One validation stays one (not an array of one): the engine's analyzer skips a single
  // validation tagged with another resource type without calling it.
  if (Array.isArray(validations))
    (wrapped as ResourceValidationPolicy).validateResource = validations.map(exemptable);
  else if (validations) (wrapped as ResourceValidationPolicy).validateResource = exemptable(validations);
  const validateStack = (policy as Partial<StackValidationPolicy>).validateStack;
  if (validateStack)
    (wrapped as StackValidationPolicy).validateStack = (args, report) => {
      const exempt = exemptOf(args.getConfig());
      const filtered: ReportViolation = (message, urn) => {
        if (!urn || !exempt.includes(nameInUrn(urn))) report(message, urn);
      };
      return validateStack(args, filtered);
    };
  return wrapped as P;
}
