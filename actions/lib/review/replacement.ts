/**
 * Inputs whose change makes the provider replace the resource (delete and create, or create
 * then delete) rather than update it in place. Offline, garde cannot ask the provider, so it
 * keeps what the providers declare for the types garde's program creates:
 * - Kubernetes: pulumi-kubernetes provider/pkg/provider/diff.go (forceNewProperties);
 * - Google Cloud: the ForceNew fields of terraform-provider-google, which @pulumi/gcp bridges;
 * - Vercel: the RequiresReplace attributes of terraform-provider-vercel.
 * A type not listed here is reported as updated: "when that is known".
 */
const K8S_METADATA = ["metadata.name", "metadata.namespace"];
const LABEL_SELECTOR = ["spec.selector"];
const IAM_MEMBER = (scope: string) => [scope, "role", "member", "condition", "project"];

const FORCE_NEW: Record<string, string[]> = {
  "gcp:storage/bucket:Bucket": ["name", "location", "project"],
  "gcp:storage/bucketIAMMember:BucketIAMMember": ["bucket", "role", "member", "condition"],
  "gcp:storage/transferJob:TransferJob": ["project"],
  "gcp:sql/databaseInstance:DatabaseInstance": ["name", "region", "project", "masterInstanceName"],
  "gcp:pubsub/topic:Topic": ["name", "project"],
  "gcp:pubsub/topicIAMMember:TopicIAMMember": IAM_MEMBER("topic"),
  "gcp:pubsub/subscription:Subscription": ["name", "topic", "project"],
  "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember": IAM_MEMBER("subscription"),
  "gcp:secretmanager/secret:Secret": ["secretId", "project", "replication"],
  "gcp:secretmanager/secretIamMember:SecretIamMember": IAM_MEMBER("secretId"),
  "gcp:serviceaccount/account:Account": ["accountId", "project"],
  "gcp:serviceaccount/iAMMember:IAMMember": ["serviceAccountId", "role", "member", "condition"],
  "gcp:projects/iAMMember:IAMMember": IAM_MEMBER("project"),
  "gcp:projects/service:Service": ["service", "project"],
  "gcp:projects/serviceIdentity:ServiceIdentity": ["service", "project"],
  "gcp:cloudscheduler/job:Job": ["name", "region", "project"],
  "gcp:cloudrunv2/job:Job": ["name", "location", "project"],
  "gcp:cloudrunv2/jobIamMember:JobIamMember": IAM_MEMBER("name").concat("location"),
  "gcp:compute/globalAddress:GlobalAddress": [
    "name",
    "project",
    "address",
    "addressType",
    "ipVersion",
    "network",
    "prefixLength",
    "purpose",
  ],
  "gcp:firestore/backupSchedule:BackupSchedule": ["database", "project"],
  "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": ["workloadIdentityPoolId", "project"],
  "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": [
    "workloadIdentityPoolId",
    "workloadIdentityPoolProviderId",
    "project",
  ],
  "gcp:monitoring/alertPolicy:AlertPolicy": ["project"],
  "gcp:monitoring/notificationChannel:NotificationChannel": ["project"],
  "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": ["project", "monitoredResource", "resourceGroup"],
  "gcp:monitoring/dashboard:Dashboard": ["project"],
  "gcp:logging/metric:Metric": ["project"],
  "vercel:index/project:Project": ["teamId"],
  "vercel:index/projectDomain:ProjectDomain": ["projectId", "domain", "teamId"],
  "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": ["projectId", "teamId"],
  "kubernetes:apps/v1:Deployment": [...K8S_METADATA, ...LABEL_SELECTOR],
  "kubernetes:apps/v1:StatefulSet": [
    ...K8S_METADATA,
    ...LABEL_SELECTOR,
    "spec.podManagementPolicy",
    "spec.revisionHistoryLimit",
    "spec.serviceName",
    "spec.volumeClaimTemplates",
  ],
  "kubernetes:batch/v1:Job": [
    ...K8S_METADATA,
    ...LABEL_SELECTOR,
    "spec.completions",
    "spec.parallelism",
    "spec.template",
  ],
  "kubernetes:core/v1:ConfigMap": [...K8S_METADATA, "data", "binaryData"],
  "kubernetes:core/v1:Secret": [...K8S_METADATA, "type", "data", "stringData"],
  "kubernetes:core/v1:Service": [...K8S_METADATA, "spec.clusterIP"],
};

/** Every Kubernetes kind is replaced when its name or namespace changes. */
const forcingPaths = (type: string): string[] | undefined =>
  FORCE_NEW[type] ?? (type.startsWith("kubernetes:") ? K8S_METADATA : undefined);

/** Whether a change at `path` (as `a.b[0]`) forces replacing a resource of `type`, when that is known. */
export function forcesReplacement(type: string, path: string): boolean {
  return (forcingPaths(type) ?? []).some(
    (p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`),
  );
}
