import type {
  PolicyResource,
  ResourceValidation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

/**
 * Calls a policy's validations with the arguments the engine would build, and returns the
 * messages it reports (as pulumi-policy-aws's tests/util.ts does). A policy that says it is
 * not applicable reports nothing.
 */

export interface Fake {
  type: string;
  props: Record<string, unknown>;
  name?: string;
  protect?: boolean;
}

class NotApplicable extends Error {}

const urnOf = (r: Fake) => `urn:pulumi:prod::garde::${r.type}::${r.name ?? "subject"}`;

function base(r: Fake, config: object) {
  const isType = (c: unknown) => (c as { __pulumiType?: string }).__pulumiType === r.type;
  return {
    type: r.type,
    props: r.props,
    urn: urnOf(r),
    name: r.name ?? "subject",
    opts: {
      protect: r.protect ?? false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    isType,
    asType: ((c: unknown) => (isType(c) ? r.props : undefined)) as never,
    getConfig: (() => config) as <T>() => T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
    stackTags: new Map<string, string>(),
  };
}

export async function resourceViolations(
  policy: ResourceValidationPolicy,
  resource: Fake,
  config: object = {},
): Promise<string[]> {
  const messages: string[] = [];
  for (const validate of ([] as ResourceValidation[]).concat(policy.validateResource ?? [])) {
    try {
      await validate(base(resource, config), (m) => messages.push(m));
    } catch (err) {
      if (!(err instanceof NotApplicable)) throw err;
    }
  }
  return messages;
}

export async function stackViolations(
  policy: StackValidationPolicy,
  resources: Fake[],
  config: object = {},
): Promise<string[]> {
  const messages: string[] = [];
  const stack = resources.map(
    (r) => ({ ...base(r, config), dependencies: [], propertyDependencies: {} }) as PolicyResource,
  );
  try {
    await policy.validateStack(
      {
        resources: stack,
        stackTags: new Map(),
        getConfig: (() => config) as <T>() => T,
        notApplicable: (reason?: string): never => {
          throw new NotApplicable(reason);
        },
      },
      (m, urn) => messages.push(urn ? `${urn.slice(urn.lastIndexOf("::") + 2)}: ${m}` : m),
    );
  } catch (err) {
    if (!(err instanceof NotApplicable)) throw err;
  }
  return messages;
}

/** A deep copy to change one thing in. */
export const copy = <T>(value: T): T => structuredClone(value);
