import { describe, expect, it } from "vitest";
import { githubOidcPinsRepository, noServiceAccountKeys } from "../../policies/access.ts";
import { type Fake, resourceViolations } from "./util.ts";

const provider = (attributeCondition?: string): Fake => ({
  type: "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
  props: {
    workloadIdentityPoolProviderId: "github",
    oidc: { issuerUri: "https://token.actions.githubusercontent.com" },
    ...(attributeCondition ? { attributeCondition } : {}),
  },
});

describe("no-service-account-keys", () => {
  it("passes a service account without keys", async () => {
    const account: Fake = { type: "gcp:serviceaccount/account:Account", props: { accountId: "deployer" } };
    expect(await resourceViolations(noServiceAccountKeys, account)).toEqual([]);
  });

  it("fails a key", async () => {
    const key: Fake = {
      type: "gcp:serviceaccount/key:Key",
      props: { serviceAccountId: "deployer@acme.iam.gserviceaccount.com" },
    };
    expect(await resourceViolations(noServiceAccountKeys, key)).toEqual([
      "a key for deployer@acme.iam.gserviceaccount.com is a long-lived credential that can leak and never expires",
    ]);
  });
});

describe("github-oidc-pins-repository", () => {
  it("passes a condition on the repository id", async () => {
    expect(
      await resourceViolations(
        githubOidcPinsRepository,
        provider('assertion.repository_id == "700000001" && assertion.ref == "refs/heads/main"'),
      ),
    ).toEqual([]);
  });

  it("fails a provider with no condition", async () => {
    expect(await resourceViolations(githubOidcPinsRepository, provider())).toEqual([
      "GitHub OIDC provider github has no attribute condition: every GitHub repository may use it",
    ]);
  });

  it("fails a pin that an alternative bypasses, wherever the || sits at the top level", async () => {
    for (const condition of [
      'assertion.repository_id == "700000001" || true',
      'true || assertion.repository_id == "700000001"',
      'assertion.repository_id == "700000001" && assertion.ref == "refs/heads/main" || assertion.repository_owner == "evil"',
    ])
      expect(await resourceViolations(githubOidcPinsRepository, provider(condition))).toEqual([
        `GitHub OIDC provider github does not pin a repository: ${condition}`,
      ]);
  });

  it("passes alternatives nested under the pin, and a pin in parentheses", async () => {
    for (const condition of [
      'assertion.repository_id == "700000001" && (assertion.ref == "refs/heads/main" || assertion.ref.startsWith("refs/heads/hotfix/"))',
      '(assertion.repository_id == "700000001") && assertion.environment == "production"',
    ])
      expect(await resourceViolations(githubOidcPinsRepository, provider(condition))).toEqual([]);
  });

  it("fails a condition that pins only the owner", async () => {
    expect(
      await resourceViolations(githubOidcPinsRepository, provider("assertion.repository_owner == 'acme'")),
    ).toEqual([
      "GitHub OIDC provider github does not pin a repository: assertion.repository_owner == 'acme'",
    ]);
  });
});
