import { describe, expect, it } from "vitest";
import {
  backupBucketRetention,
  backupBucketVersioning,
  bucketNoPublicGrant,
  bucketPublicAccessPrevention,
  bucketUniformAccess,
} from "../../policies/buckets.ts";
import { copy, type Fake, resourceViolations } from "./util.ts";

const BUCKET = "gcp:storage/bucket:Bucket";

/** A backup bucket as garde declares it in prod. */
const backupBucket = (): Fake => ({
  type: BUCKET,
  name: "shop-prod-backups-primary",
  protect: true,
  props: {
    name: "acme-shop-prod-backups",
    labels: { app: "shop", purpose: "backups" },
    versioning: { enabled: true },
    publicAccessPrevention: "enforced",
    uniformBucketLevelAccess: true,
    lifecycleRules: [
      { action: { type: "Delete" }, condition: { age: 30, withState: "LIVE" } },
      { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 7, withState: "ARCHIVED" } },
    ],
  },
});

describe("backup-bucket-versioning", () => {
  it("passes a versioned backup bucket", async () => {
    expect(await resourceViolations(backupBucketVersioning, backupBucket())).toEqual([]);
  });

  it("fails one without versions", async () => {
    const b = copy(backupBucket());
    b.props.versioning = { enabled: false };
    expect(await resourceViolations(backupBucketVersioning, b)).toEqual([
      "backup bucket acme-shop-prod-backups does not keep versions: one delete loses the dump for good",
    ]);
  });

  it("leaves buckets that hold no backups alone", async () => {
    const b = copy(backupBucket());
    b.props = { name: "acme-assets", versioning: { enabled: false } };
    expect(await resourceViolations(backupBucketVersioning, b)).toEqual([]);
  });
});

describe("backup-bucket-retention", () => {
  it("passes a bucket that keeps backups the stack's minimum", async () => {
    expect(
      await resourceViolations(backupBucketRetention, backupBucket(), { minimumRetentionDays: 30 }),
    ).toEqual([]);
  });

  it("fails one that deletes them sooner than prod's 30 days", async () => {
    const b = copy(backupBucket());
    b.props.lifecycleRules = [{ action: { type: "Delete" }, condition: { age: 14 } }];
    expect(await resourceViolations(backupBucketRetention, b, { minimumRetentionDays: 30 })).toEqual([
      "backup bucket acme-shop-prod-backups deletes backups after 14 days; this stack keeps them at least 30",
    ]);
  });

  it("takes the schema's 30 days when the pack config gives none", async () => {
    const b = copy(backupBucket());
    b.props.lifecycleRules = [{ action: { type: "Delete" }, condition: { age: 7, withState: "ANY" } }];
    expect(await resourceViolations(backupBucketRetention, b)).toHaveLength(1);
  });
});

describe("bucket-public-access-prevention", () => {
  it("passes a bucket that enforces it", async () => {
    expect(await resourceViolations(bucketPublicAccessPrevention, backupBucket())).toEqual([]);
  });

  it("fails one left to inherit the organization's setting", async () => {
    const b = copy(backupBucket());
    b.props.publicAccessPrevention = "inherited";
    expect(await resourceViolations(bucketPublicAccessPrevention, b)).toEqual([
      "bucket acme-shop-prod-backups does not enforce public access prevention (inherited)",
    ]);
  });
});

describe("bucket-uniform-access", () => {
  it("passes uniform bucket-level access", async () => {
    expect(await resourceViolations(bucketUniformAccess, backupBucket())).toEqual([]);
  });

  it("fails per-object ACLs", async () => {
    const b = copy(backupBucket());
    b.props.uniformBucketLevelAccess = false;
    expect(await resourceViolations(bucketUniformAccess, b)).toEqual([
      "bucket acme-shop-prod-backups allows per-object ACLs: an object can be shared behind IAM's back",
    ]);
  });
});

describe("bucket-no-public-grant", () => {
  const grant = (member: string): Fake => ({
    type: "gcp:storage/bucketIAMMember:BucketIAMMember",
    props: { bucket: "acme-shop-prod-backups", role: "roles/storage.objectViewer", member },
  });

  it("passes a grant to a service account", async () => {
    expect(
      await resourceViolations(
        bucketNoPublicGrant,
        grant("serviceAccount:drill@acme.iam.gserviceaccount.com"),
      ),
    ).toEqual([]);
  });

  it("fails a grant to allUsers", async () => {
    expect(await resourceViolations(bucketNoPublicGrant, grant("allUsers"))).toEqual([
      "bucket acme-shop-prod-backups grants roles/storage.objectViewer to allUsers: anyone may use it",
    ]);
  });

  it("fails allAuthenticatedUsers in a binding too", async () => {
    const binding: Fake = {
      type: "gcp:storage/bucketIAMBinding:BucketIAMBinding",
      props: {
        bucket: "b",
        role: "roles/storage.objectViewer",
        members: ["group:ops@acme.com", "allAuthenticatedUsers"],
      },
    };
    expect(await resourceViolations(bucketNoPublicGrant, binding)).toEqual([
      "bucket b grants roles/storage.objectViewer to allAuthenticatedUsers: anyone may use it",
    ]);
  });
});
