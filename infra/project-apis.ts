/**
 * The Google API each GCP resource type needs enabled before it can be created. The environment
 * enables exactly these (gcp.projects.Service) and makes every resource depend on its API, so a
 * first `pulumi up` on a fresh project does not fail with "API has not been used".
 */
const API_BY_MODULE: Record<string, string[]> = {
  storage: ["storage.googleapis.com"],
  pubsub: ["pubsub.googleapis.com"],
  cloudscheduler: ["cloudscheduler.googleapis.com"],
  cloudrunv2: ["run.googleapis.com"],
  monitoring: ["monitoring.googleapis.com"],
  logging: ["logging.googleapis.com"],
  firestore: ["firestore.googleapis.com"],
  sql: ["sqladmin.googleapis.com"],
  secretmanager: ["secretmanager.googleapis.com"],
  serviceaccount: ["iam.googleapis.com"],
  iam: ["iam.googleapis.com", "sts.googleapis.com", "iamcredentials.googleapis.com"],
  compute: ["compute.googleapis.com"],
  projects: ["cloudresourcemanager.googleapis.com"],
};
/** Types whose API differs from their module's. */
const API_BY_TYPE: Record<string, string[]> = {
  "gcp:storage/transferJob:TransferJob": ["storagetransfer.googleapis.com"],
  "gcp:projects/service:Service": [],
  "gcp:projects/serviceIdentity:ServiceIdentity": ["serviceusage.googleapis.com"],
  "gcp:projects/iAMCustomRole:IAMCustomRole": ["iam.googleapis.com"],
};

/** The APIs a resource type needs; empty for anything not in GCP. */
export function apisFor(type: string): string[] {
  if (!type.startsWith("gcp:")) return [];
  const exact = API_BY_TYPE[type];
  if (exact) return exact;
  const module = type.slice(4).split("/")[0] ?? "";
  const apis = API_BY_MODULE[module];
  if (!apis) throw new Error(`garde does not know which API ${type} needs: add it to infra/project-apis.ts`);
  return apis;
}
