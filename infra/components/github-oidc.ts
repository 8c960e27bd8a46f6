import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { accountId } from "../schedules.ts";

export interface GitHubOidcArgs {
  project: string;
  environment: string;
  app: string;
  /** owner/name, for display only: names can be transferred and reused. */
  repository: string;
  /** Numeric ids: what the trust really pins. */
  repositoryId: string;
  repositoryOwnerId: string;
  /** GitHub environment the workflow job must run in (its protection rules apply), if any. */
  githubEnvironment?: string | undefined;
  /** Refs allowed to deploy (prod); a trailing * matches a prefix. */
  refs?: string[] | undefined;
  /** What the pipelines do with GCP, granted on those resources only. */
  grants: {
    /** Secret ids rotate-keys adds versions to and relabels. */
    secrets: pulumi.Input<string>[];
    /** The audit secret rotate-keys appends a version to per step. */
    auditSecret?: pulumi.Input<string> | undefined;
    /** The rollback watch reads open incidents. */
    readsAlerts: boolean;
    /** The backup bucket the drill reads dumps from. */
    backupBucket?: pulumi.Input<string> | undefined;
    /** The rotation events subscription rotate-keys drains. */
    rotationSubscription?: pulumi.Input<string> | undefined;
    /** The app's namespace on its cluster: deploy, rollback, rotation and the runbook's switches act there. */
    kubernetes?: { namespace: pulumi.Input<string>; provider?: k8s.Provider | undefined } | undefined;
  };
}

/** A CEL test of `assertion.ref` against refs, a trailing * meaning "starts with". */
export function refCondition(refs: string[]): string {
  const one = (ref: string) =>
    ref.endsWith("*")
      ? `assertion.ref.startsWith(${JSON.stringify(ref.slice(0, -1))})`
      : `assertion.ref == ${JSON.stringify(ref)}`;
  return refs.length === 1 ? one(refs[0] as string) : `(${refs.map(one).join(" || ")})`;
}

/** Workload identity federation for GitHub Actions: workflows exchange their OIDC token, hold no key. */
export class GitHubOidc extends pulumi.ComponentResource {
  readonly provider: pulumi.Output<string>;
  readonly serviceAccount: pulumi.Output<string>;

  constructor(name: string, args: GitHubOidcArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:gcp:GitHubOidc", name, {}, opts);
    const { pool, provider } = trustGitHub(name, args, this);
    const account = deployAccount(name, args, pool, this);
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    grantPipelines(name, args, member, this);
    if (args.grants.kubernetes)
      grantNamespace(name, args.project, account.email, args.grants.kubernetes, this);
    this.provider = provider.name;
    this.serviceAccount = account.email;
    this.registerOutputs({ provider: this.provider, serviceAccount: this.serviceAccount });
  }
}

/** The pool and its GitHub provider: tokens from any other repository, owner, environment or (prod) ref are refused. */
function trustGitHub(name: string, args: GitHubOidcArgs, parent: pulumi.Resource) {
  const pool = new gcp.iam.WorkloadIdentityPool(
    `${name}-pool`,
    {
      project: args.project,
      workloadIdentityPoolId: `github-${args.app}-${args.environment}`.slice(0, 32),
      displayName: `GitHub Actions (${args.environment})`,
    },
    { parent },
  );
  const condition = [
    `assertion.repository_id == ${JSON.stringify(args.repositoryId)}`,
    `assertion.repository_owner_id == ${JSON.stringify(args.repositoryOwnerId)}`,
    args.githubEnvironment && `assertion.environment == ${JSON.stringify(args.githubEnvironment)}`,
    args.refs?.length && refCondition(args.refs),
  ]
    .filter(Boolean)
    .join(" && ");
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
        "attribute.repository_id": "assertion.repository_id",
        "attribute.repository_owner_id": "assertion.repository_owner_id",
        "attribute.environment": "assertion.environment",
        "attribute.ref": "assertion.ref",
      },
      attributeCondition: condition,
    },
    { parent },
  );
  return { pool, provider };
}

/** The account the workflows act as, which only the pinned repository's tokens may impersonate. */
function deployAccount(
  name: string,
  args: GitHubOidcArgs,
  pool: gcp.iam.WorkloadIdentityPool,
  parent: pulumi.Resource,
): gcp.serviceaccount.Account {
  const account = new gcp.serviceaccount.Account(
    `${name}-deployer`,
    {
      project: args.project,
      accountId: accountId("deploy", args.environment, args.app),
      displayName: `garde deploy (${args.app} ${args.environment})`,
    },
    { parent },
  );
  new gcp.serviceaccount.IAMMember(
    `${name}-impersonation`,
    {
      serviceAccountId: account.name,
      role: "roles/iam.workloadIdentityUser",
      member: pulumi.interpolate`principalSet://iam.googleapis.com/${pool.name}/attribute.repository_id/${args.repositoryId}`,
    },
    { parent },
  );
  return account;
}

/** What the pipelines do with GCP, each on its own resource: rotate, audit, drain events, read alerts and dumps. */
function grantPipelines(
  name: string,
  args: GitHubOidcArgs,
  member: pulumi.Output<string>,
  parent: pulumi.Resource,
) {
  const g = args.grants;
  const on = { parent };
  if (g.secrets.length) {
    const rotator = secretRotatorRole(name, args.project, parent);
    g.secrets.forEach((secretId, i) => {
      new gcp.secretmanager.SecretIamMember(
        `${name}-rotates-${i}`,
        { project: args.project, secretId, role: rotator.name, member },
        on,
      );
    });
  }
  if (g.auditSecret) {
    // The audit trail: read the secret's metadata, add one version per record; never read one.
    for (const [key, role] of [
      ["reads", "roles/secretmanager.viewer"],
      ["appends", "roles/secretmanager.secretVersionAdder"],
    ] as const)
      new gcp.secretmanager.SecretIamMember(
        `${name}-audit-${key}`,
        { project: args.project, secretId: g.auditSecret, role, member },
        on,
      );
  }
  if (g.rotationSubscription)
    new gcp.pubsub.SubscriptionIAMMember(
      `${name}-reads-rotation-events`,
      {
        project: args.project,
        subscription: g.rotationSubscription,
        role: "roles/pubsub.subscriber",
        member,
      },
      on,
    );
  if (g.readsAlerts)
    new gcp.projects.IAMMember(
      `${name}-reads-alerts`,
      { project: args.project, role: "roles/monitoring.viewer", member },
      on,
    );
  if (g.backupBucket)
    new gcp.storage.BucketIAMMember(
      `${name}-reads-backups`,
      { bucket: g.backupBucket, role: "roles/storage.objectViewer", member },
      on,
    );
}

/**
 * What the pipelines do on the cluster, and nothing more. In Google IAM, only reading the cluster
 * (get-gke-credentials needs container.clusters.get); on Kubernetes, a Role in the app's namespace
 * bound to the deploy account (GKE names a Google account by its email): the Deployments garde
 * builds and promotes, the ReplicaSets a rollback returns to, the Services beside production, the
 * ConfigMaps and Secrets the switches and rotation write. No cluster-wide right, no pod exec.
 */
function grantNamespace(
  name: string,
  project: string,
  email: pulumi.Output<string>,
  cluster: { namespace: pulumi.Input<string>; provider?: k8s.Provider | undefined },
  parent: pulumi.Resource,
): void {
  new gcp.projects.IAMMember(
    `${name}-gets-cluster`,
    { project, role: "roles/container.clusterViewer", member: pulumi.interpolate`serviceAccount:${email}` },
    { parent },
  );
  const k8sOpts = { parent, ...(cluster.provider ? { provider: cluster.provider } : {}) };
  const write = ["get", "list", "watch", "create", "update", "patch"];
  const role = new k8s.rbac.v1.Role(
    `${name}-deploys`,
    {
      metadata: { name: "garde-deploy", namespace: cluster.namespace },
      rules: [
        { apiGroups: ["apps"], resources: ["deployments"], verbs: write },
        { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["services", "configmaps", "secrets"], verbs: write },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
      ],
    },
    k8sOpts,
  );
  new k8s.rbac.v1.RoleBinding(
    `${name}-deploys`,
    {
      metadata: { name: "garde-deploy", namespace: cluster.namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: email }],
    },
    k8sOpts,
  );
}

/**
 * What rotate-keys does to a secret, and nothing else (the admin role would also let it delete
 * the secret or change who may read it). Bound on each rotated secret, never on the project.
 */
function secretRotatorRole(
  name: string,
  project: string,
  parent: pulumi.Resource,
): gcp.projects.IAMCustomRole {
  return new gcp.projects.IAMCustomRole(
    `${name}-secret-rotator`,
    {
      project,
      roleId: "gardeSecretRotator",
      title: "garde secret rotator",
      description:
        "rotate-keys: add a version, read versions, move aliases and the state annotation, disable the revoked one",
      permissions: [
        "secretmanager.secrets.get", // snapshot: aliases, the state annotation, the etag
        "secretmanager.secrets.update", // aliases and state, compare-and-swap on the etag
        "secretmanager.versions.add", // the new value
        "secretmanager.versions.access", // the current and pending values, to apply and test them
        "secretmanager.versions.get", // whether the previous version is already disabled
        "secretmanager.versions.disable", // revocation, and a refused value
      ],
    },
    { parent },
  );
}
