import * as gcp from "@pulumi/gcp";
import { type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Access: workflows reach the cloud by short-lived OIDC tokens, from one repository only. */

export const noServiceAccountKeys: ResourceValidationPolicy = {
  name: "no-service-account-keys",
  description:
    "No service account key is created: CI and jobs get short-lived tokens (GitHub OIDC, Workload Identity).",
  severity: "critical",
  tags: ["access"],
  remediationSteps:
    "Remove the key; let the workflow authenticate with google-github-actions/auth and garde:githubOidc, or a pod with Workload Identity.",
  configSchema: { properties: {} },
  validateResource: validateResourceOfType(gcp.serviceaccount.Key, (key, _args, report) => {
    report(`a key for ${key.serviceAccountId} is a long-lived credential that can leak and never expires`);
  }),
};

const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/** An equality on the repository (by id, which cannot be reused, or by name) in a CEL condition. */
const REPOSITORY_PIN = /^\(*\s*assertion\.repository(_id)?\s*==\s*(['"])[^'"]+\2\s*\)*$/;

/**
 * The condition's top-level terms joined by &&, or null when an || sits at the top level: there
 * any alternative (`… || true`, `… || assertion.repository_owner == "x"`) lets other tokens in.
 */
function topLevelConjuncts(condition: string): string[] | null {
  const terms: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < condition.length; i++) {
    const c = condition[i] as string;
    if (quote) {
      if (c === quote && condition[i - 1] !== "\\") quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && condition.startsWith("||", i)) return null;
    else if (depth === 0 && condition.startsWith("&&", i)) {
      terms.push(condition.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  terms.push(condition.slice(start).trim());
  return terms;
}

/** Whether every token the provider accepts must come from one repository. */
export function pinsRepository(condition: string): boolean {
  const terms = topLevelConjuncts(condition);
  return terms?.some((t) => REPOSITORY_PIN.test(t)) ?? false;
}

export const githubOidcPinsRepository: ResourceValidationPolicy = {
  name: "github-oidc-pins-repository",
  description:
    "A Workload Identity provider trusting GitHub's OIDC issuer pins the repository in its attribute condition: otherwise any repository on GitHub may take its roles.",
  severity: "critical",
  tags: ["access"],
  remediationSteps:
    'Set attributeCondition to assertion.repository_id == "ID" (garde:githubOidc.repositoryId; names can be reused, ids cannot).',
  configSchema: { properties: {} },
  validateResource: validateResourceOfType(gcp.iam.WorkloadIdentityPoolProvider, (provider, args, report) => {
    if (provider.oidc?.issuerUri !== GITHUB_ISSUER) args.notApplicable("not a GitHub OIDC provider");
    const condition = provider.attributeCondition ?? "";
    if (!pinsRepository(condition))
      report(
        condition
          ? `GitHub OIDC provider ${provider.workloadIdentityPoolProviderId} does not pin a repository: ${condition}`
          : `GitHub OIDC provider ${provider.workloadIdentityPoolProviderId} has no attribute condition: every GitHub repository may use it`,
      );
  }),
};

export const ACCESS_POLICIES = [noServiceAccountKeys, githubOidcPinsRepository];
