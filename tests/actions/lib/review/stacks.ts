import type { ReviewPolicy, StackReview } from "../../../../actions/lib/review/model.ts";

const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::garde::${type}::${name}`;

/** A stack review with `n` of each change, as large as a test needs. */
export function bigReview(
  stack: string,
  n: { creates?: number; updates?: number; replaces?: number; deletes?: number },
  policies: ReviewPolicy[] = [],
): StackReview {
  const many = (count = 0, f: (i: number) => string) => Array.from({ length: count }, (_, i) => f(i));
  const bucket = "gcp:storage/bucket:Bucket";
  const alert = "gcp:monitoring/alertPolicy:AlertPolicy";
  return {
    stack,
    status: "changed",
    creates: many(n.creates, (i) => urn(stack, bucket, `${stack}-new-${i}`)).map((u) => ({
      urn: u,
      type: bucket,
    })),
    updates: many(n.updates, (i) => urn(stack, alert, `${stack}-alert-${i}`)).map((u, i) => ({
      urn: u,
      type: alert,
      diffs: [
        {
          path: "conditions[0].conditionThreshold.thresholdValue",
          kind: "update" as const,
          old: 2000 + i,
          new: 3000 + i,
        },
        { path: "displayName", kind: "update" as const, old: "P95 latency > 2 s", new: "P95 latency > 3 s" },
      ],
    })),
    replaces: many(n.replaces, (i) => urn(stack, bucket, `${stack}-moved-${i}`)).map((u) => ({
      urn: u,
      type: bucket,
      diffs: [{ path: "location", kind: "update" as const, old: "EU", new: "US" }],
      replaceReasons: ["location"],
    })),
    deletes: many(n.deletes, (i) => urn(stack, bucket, `${stack}-old-${i}`)).map((u) => ({
      urn: u,
      type: bucket,
    })),
    unchanged: 42,
    policies,
  };
}

export const MANDATORY: ReviewPolicy = {
  policy: "bucket-public-access-prevention",
  enforcement: "mandatory",
  severity: "critical",
  resource: "shop-prod-uploads",
  message: "Bucket shop-prod-uploads does not enforce public access prevention",
  fix: "Set publicAccessPrevention: enforced",
};
