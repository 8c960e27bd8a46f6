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
  if (validations)
    (wrapped as ResourceValidationPolicy).validateResource = ([] as ResourceValidation[])
      .concat(validations)
      .map(
        (validate): ResourceValidation =>
          (args, report) => {
            if (exemptOf(args.getConfig()).includes(args.name)) args.notApplicable("exempt in this stack");
            return validate(args, report);
          },
      );
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
