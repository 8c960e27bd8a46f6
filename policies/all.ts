import type { Policies } from "@pulumi/policy";
import { ACCESS_POLICIES } from "./access.ts";
import { ALERTING_POLICIES } from "./alerting.ts";
import { BUCKET_POLICIES } from "./buckets.ts";
import { DATASTORE_POLICIES } from "./datastores.ts";
import { withExemptions } from "./exemptions.ts";
import { KUBERNETES_POLICIES } from "./kubernetes.ts";
import { SECRET_POLICIES } from "./secrets.ts";

/**
 * Every policy of garde's pack, by area. This module builds no PolicyPack (index.ts does, and
 * that starts a gRPC server): garde plan and the tests run these through the local analyzer.
 */
export const POLICIES: Policies = [
  ...BUCKET_POLICIES,
  ...DATASTORE_POLICIES,
  ...SECRET_POLICIES,
  ...ALERTING_POLICIES,
  ...KUBERNETES_POLICIES,
  ...ACCESS_POLICIES,
].map(withExemptions);

export const POLICY_NAMES = POLICIES.map((p) => p.name);

/** Policies that only mean something in production: off (not advisory) in dev and staging. */
export const PRODUCTION_ONLY = new Set(
  POLICIES.filter((p) => p.tags?.includes("production")).map((p) => p.name),
);
