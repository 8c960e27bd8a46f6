import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface GitHubOidcArgs {
  project: string;
  environment: string;
  /** owner/name: only this repository's workflows may impersonate the deploy account. */
  repository: string;
  /** GitHub environment the workflow job must run in (its protection rules apply), if any. */
  githubEnvironment?: string | undefined;
}

/** Workload identity federation for GitHub Actions: workflows exchange their OIDC token, hold no key. */
export class GitHubOidc extends pulumi.ComponentResource {
  readonly provider: pulumi.Output<string>;
  readonly serviceAccount: pulumi.Output<string>;

  constructor(name: string, args: GitHubOidcArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:gcp:GitHubOidc", name, {}, opts);
    const pool = new gcp.iam.WorkloadIdentityPool(
      `${name}-pool`,
      {
        project: args.project,
        workloadIdentityPoolId: `github-${args.environment}`,
        displayName: `GitHub Actions (${args.environment})`,
      },
      { parent: this },
    );
    const provider = new gcp.iam.WorkloadIdentityPoolProvider(
      `${name}-provider`,
      {
        project: args.project,
        workloadIdentityPoolId: pool.workloadIdentityPoolId,
        workloadIdentityPoolProviderId: "github",
        oidc: { issuerUri: "https://token.actions.githubusercontent.com" },
        attributeMapping: {
          "google.subject": "assertion.sub",
          "attribute.repository": "assertion.repository",
          "attribute.environment": "assertion.environment",
          "attribute.ref": "assertion.ref",
        },
        // Tokens from any other repository are refused outright.
        attributeCondition: args.githubEnvironment
          ? `assertion.repository == "${args.repository}" && assertion.environment == "${args.githubEnvironment}"`
          : `assertion.repository == "${args.repository}"`,
      },
      { parent: this },
    );
    const account = new gcp.serviceaccount.Account(
      `${name}-deployer`,
      {
        project: args.project,
        accountId: `garde-deploy-${args.environment}`,
        displayName: `garde deploy (${args.environment})`,
      },
      { parent: this },
    );
    new gcp.serviceaccount.IAMMember(
      `${name}-impersonation`,
      {
        serviceAccountId: account.name,
        role: "roles/iam.workloadIdentityUser",
        member: pulumi.interpolate`principalSet://iam.googleapis.com/${pool.name}/attribute.repository/${args.repository}`,
      },
      { parent: this },
    );
    this.provider = provider.name;
    this.serviceAccount = account.email;
    this.registerOutputs({ provider: this.provider, serviceAccount: this.serviceAccount });
  }
}
