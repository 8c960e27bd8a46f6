import * as gcp from "@pulumi/gcp";
import {
  type PolicyConfigSchema,
  type ResourceValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { settingsOf } from "./props.ts";

/** Cloud Storage buckets: where backups live, and what must never be public. */

export const backupBucketSchema: PolicyConfigSchema = {
  properties: {
    namePattern: {
      type: "string",
      default: "backup",
      description:
        "A bucket whose name matches this regular expression holds backups (as does label purpose=backups)",
    },
  },
};

export function isBackupBucket(
  bucket: { name?: string; labels?: Record<string, string> },
  given: object,
): boolean {
  const { namePattern } = settingsOf<{ namePattern: string }>(backupBucketSchema, given);
  return bucket.labels?.purpose === "backups" || new RegExp(namePattern).test(bucket.name ?? "");
}

export const backupBucketVersioning: ResourceValidationPolicy = {
  name: "backup-bucket-versioning",
  description: "A backup bucket keeps object versions, so an overwritten or deleted dump can be restored.",
  severity: "high",
  tags: ["backups"],
  remediationSteps:
    "Set versioning: { enabled: true } on the bucket (and no retentionPolicy: GCS refuses both).",
  configSchema: backupBucketSchema,
  validateResource: validateResourceOfType(gcp.storage.Bucket, (bucket, args, report) => {
    if (!isBackupBucket(bucket, args.getConfig())) args.notApplicable("not a backup bucket");
    if (bucket.versioning?.enabled !== true)
      report(`backup bucket ${bucket.name} does not keep versions: one delete loses the dump for good`);
  }),
};

const retentionSchema: PolicyConfigSchema = {
  properties: {
    ...backupBucketSchema.properties,
    minimumRetentionDays: {
      type: "integer",
      minimum: 1,
      default: 30,
      description:
        "The least number of days a backup is kept (garde sets it per stack: prod 30, staging 7, dev 3)",
    },
  },
};

export const backupBucketRetention: ResourceValidationPolicy = {
  name: "backup-bucket-retention",
  description: "A backup bucket keeps each backup at least the stack's minimum retention (prod: 30 days).",
  severity: "high",
  tags: ["backups"],
  remediationSteps:
    "Raise the age of the bucket's Delete lifecycle rule (garde:backups.retentionDays) to at least the minimum.",
  configSchema: retentionSchema,
  validateResource: validateResourceOfType(gcp.storage.Bucket, (bucket, args, report) => {
    if (!isBackupBucket(bucket, args.getConfig())) args.notApplicable("not a backup bucket");
    const { minimumRetentionDays } = settingsOf<{ minimumRetentionDays: number }>(
      retentionSchema,
      args.getConfig(),
    );
    for (const rule of bucket.lifecycleRules ?? []) {
      const age = rule.condition?.age;
      // Rules on ARCHIVED objects only reach versions already replaced or deleted.
      if (rule.action?.type !== "Delete" || age === undefined || rule.condition?.withState === "ARCHIVED")
        continue;
      if (age < minimumRetentionDays)
        report(
          `backup bucket ${bucket.name} deletes backups after ${age} days; this stack keeps them at least ${minimumRetentionDays}`,
        );
    }
  }),
};

export const bucketPublicAccessPrevention: ResourceValidationPolicy = {
  name: "bucket-public-access-prevention",
  description: "Every bucket enforces public access prevention: no grant can ever make its objects public.",
  severity: "critical",
  tags: ["backups", "access"],
  remediationSteps: 'Set publicAccessPrevention: "enforced" on the bucket.',
  configSchema: { properties: {} },
  validateResource: validateResourceOfType(gcp.storage.Bucket, (bucket, _args, report) => {
    if (bucket.publicAccessPrevention !== "enforced")
      report(
        `bucket ${bucket.name} does not enforce public access prevention (${bucket.publicAccessPrevention ?? "inherited"})`,
      );
  }),
};

export const bucketUniformAccess: ResourceValidationPolicy = {
  name: "bucket-uniform-access",
  description:
    "Every bucket uses uniform bucket-level access: IAM alone decides who reads, no per-object ACLs.",
  severity: "high",
  tags: ["backups", "access"],
  remediationSteps: "Set uniformBucketLevelAccess: true on the bucket.",
  configSchema: { properties: {} },
  validateResource: validateResourceOfType(gcp.storage.Bucket, (bucket, _args, report) => {
    if (bucket.uniformBucketLevelAccess !== true)
      report(`bucket ${bucket.name} allows per-object ACLs: an object can be shared behind IAM's back`);
  }),
};

const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];

export const bucketNoPublicGrant: ResourceValidationPolicy = {
  name: "bucket-no-public-grant",
  description: "No bucket grants a role to allUsers or allAuthenticatedUsers.",
  severity: "critical",
  tags: ["backups", "access"],
  remediationSteps: "Remove the grant; give the role to the service account or group that needs it.",
  configSchema: { properties: {} },
  validateResource: [
    validateResourceOfType(gcp.storage.BucketIAMMember, (grant, _args, report) => {
      if (PUBLIC_MEMBERS.includes(grant.member))
        report(`bucket ${grant.bucket} grants ${grant.role} to ${grant.member}: anyone may use it`);
    }),
    validateResourceOfType(gcp.storage.BucketIAMBinding, (grant, _args, report) => {
      for (const member of grant.members.filter((m) => PUBLIC_MEMBERS.includes(m)))
        report(`bucket ${grant.bucket} grants ${grant.role} to ${member}: anyone may use it`);
    }),
  ],
};

export const BUCKET_POLICIES = [
  backupBucketVersioning,
  backupBucketRetention,
  bucketPublicAccessPrevention,
  bucketUniformAccess,
  bucketNoPublicGrant,
];
