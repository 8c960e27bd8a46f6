import { beforeAll, describe, expect, it } from "vitest";
import type { PlannedResource, StackPlan } from "../../infra/plan.ts";
import { at } from "../../policies/props.ts";
import { RULES, vercelEnvConflicts } from "./invariants.ts";
import { examples, planReferenceStacks, root, stacks } from "./reference-plans.ts";

const names = [...stacks, ...examples];
let plans = new Map<string, StackPlan>();

beforeAll(async () => {
  plans = await planReferenceStacks();
}, 60_000);

/** A deep copy of a stack's plan with one resource changed: the fixture a rule must catch. */
function broken(
  name: string,
  type: string,
  change: (r: PlannedResource, p: StackPlan) => void,
  pick = 0,
): StackPlan {
  const p = structuredClone(plans.get(name) as StackPlan);
  const target = p.resources.filter((r) => r.type === type)[pick];
  if (!target) throw new Error(`fixture: ${name} has no ${type}`);
  change(target, p);
  return p;
}
const without = (p: StackPlan, predicate: (r: PlannedResource) => boolean) => {
  p.resources = p.resources.filter((r) => !predicate(r));
};

describe.each(Object.keys(RULES))("rule %s", (rule) => {
  it.each(names)("holds on %s", (name) => {
    expect(RULES[rule]?.(plans.get(name) as StackPlan, root)).toEqual([]);
  });
});

describe("each rule fails on a fixture that breaks it", () => {
  const cases: [string, () => StackPlan, RegExp][] = [
    [
      "noVersioningWithRetentionPolicy",
      () =>
        broken("prod", "gcp:storage/bucket:Bucket", (b) => {
          b.inputs.retentionPolicy = { retentionPeriod: "2592000" };
        }),
      /GCS refuses a retention policy on a versioned bucket/,
    ],
    [
      "serviceAgentsGranted",
      () =>
        broken("prod", "gcp:storage/transferJob:TransferJob", (_j, p) =>
          without(p, (r) => r.name.endsWith("-copy-writes")),
        ),
      /the transfer agent lacks roles\/storage\.legacyBucketWriter on sink/,
    ],
    [
      "serviceAgentsGranted",
      () =>
        broken("cesizen-nextjs.yaml", "gcp:cloudrunv2/jobIamMember:JobIamMember", (_m, p) =>
          without(p, (r) => r.type === "gcp:cloudrunv2/jobIamMember:JobIamMember"),
        ),
      /may not run the Cloud Run job it triggers/,
    ],
    [
      "serviceAgentsGranted",
      () =>
        broken("prod", "gcp:serviceaccount/iAMMember:IAMMember", (_m, p) =>
          without(p, (r) => r.name.endsWith("-pg-backup-workload-identity")),
        ),
      /runs without a Workload Identity/,
    ],
    [
      "logMetricAlertsDependOnTheirMetric",
      () => {
        const p = structuredClone(plans.get("prod") as StackPlan);
        const policy = p.resources.find(
          (r) => r.name.endsWith("-failed-logins") && r.type.endsWith("AlertPolicy"),
        );
        if (policy) policy.dependsOn = policy.dependsOn.filter((d) => !d.endsWith("-failed-logins"));
        return p;
      },
      /reads log metric shop_prod_failed_logins without depending on it/,
    ],
    [
      "cloudSqlReachable",
      () =>
        broken("csar-laravel.yaml", "gcp:sql/databaseInstance:DatabaseInstance", (i) => {
          (i.inputs.settings as Record<string, unknown>).ipConfiguration = { ipv4Enabled: false };
        }),
      /no public IP and no private network/,
    ],
    [
      "pointInTimeRecoveryOnlyWhereSupported",
      () =>
        broken("csar-laravel.yaml", "gcp:sql/databaseInstance:DatabaseInstance", (i) => {
          (
            (i.inputs.settings as Record<string, Record<string, unknown>>).backupConfiguration as Record<
              string,
              unknown
            >
          ).pointInTimeRecoveryEnabled = true;
        }),
      /pointInTimeRecoveryEnabled is PostgreSQL's; MYSQL_8_0 needs binaryLogEnabled/,
    ],
    [
      "valuesWithinApiBounds",
      () =>
        broken("tenants-firebase-gke.yaml", "gcp:firestore/backupSchedule:BackupSchedule", (s) => {
          s.inputs.retention = `${30 * 86_400}s`;
        }),
      /firestore-daily: retention 2592000s over 7 days/,
    ],
    [
      "deployerReachesTheCluster",
      () =>
        broken("prod", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", (_b, p) =>
          without(p, (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"),
        ),
      /deploy-prod-shop@acme-shop-prod\.iam\.gserviceaccount\.com holds no Role in namespace shop-prod \(the deploy gets 403\)/,
    ],
    [
      "rotatorMayAudit",
      () =>
        broken("prod", "gcp:secretmanager/secretIamMember:SecretIamMember", (_m, p) =>
          without(p, (r) => r.name.includes("-audit-appends")),
        ),
      /deploy-prod-shop@acme-shop-prod\.iam\.gserviceaccount\.com rotates secrets and may not add records to prod-garde-rotation-audit/,
    ],
    [
      "podReferencesCreated",
      () =>
        broken("prod", "kubernetes:core/v1:Secret", (_s, p) =>
          without(p, (r) => r.type === "kubernetes:core/v1:Secret"),
        ),
      /shop-prod-backups-pg-backup: reads Secret shop-secrets, which the stack does not create/,
    ],
    [
      "copyOutlivesPrune",
      () =>
        broken(
          "prod",
          "gcp:storage/bucket:Bucket",
          (b) => {
            // As before: the copy deleted after retentionDays (30) while prune keeps 2 monthly.
            (b.inputs.lifecycleRules as { condition: { age?: number } }[])
              .filter((r) => r.condition.age !== undefined)
              .forEach((r) => {
                r.condition.age = 30;
              });
          },
          1,
        ),
      /shop-prod-backups-secondary: deletes copies after 30 days, while garde prune keeps backups up to 62 days old/,
    ],
    [
      "cloudSqlEditionFitsTier",
      () =>
        broken("csar-laravel.yaml", "gcp:sql/databaseInstance:DatabaseInstance", (i) => {
          // As before garde said the edition: PostgreSQL 16 and the default custom tier.
          i.inputs.databaseVersion = "POSTGRES_16";
          delete (i.inputs.settings as Record<string, unknown>).edition;
        }),
      /POSTGRES_16 edition ENTERPRISE_PLUS: db-custom-2-7680 is not an ENTERPRISE_PLUS tier/,
    ],
    [
      "valuesWithinApiBounds",
      () =>
        broken("dev", "gcp:storage/bucket:Bucket", (b) => {
          (b.inputs.softDeletePolicy as Record<string, unknown>).retentionDurationSeconds = 3 * 86_400;
        }),
      /soft delete 259200s outside 7–90 days/,
    ],
    [
      "apisEnabledBeforeUse",
      () =>
        broken("prod", "gcp:secretmanager/secret:Secret", (s) => {
          s.dependsOn = s.dependsOn.filter((d) => !d.includes("-api-"));
        }),
      /created before secretmanager\.googleapis\.com is enabled/,
    ],
    [
      "serviceAgentsGranted",
      () =>
        broken("prod", "gcp:storage/bucketIAMMember:BucketIAMMember", (_m, p) =>
          without(p, (r) => r.name === "shop-prod-backups-pg-drill-objectuser"),
        ),
      /shop-prod-backups-pg-drill: drill-prod-shop@.* may not write to acme-shop-prod-shop-prod-backups/,
    ],
    [
      "serviceAgentsGranted",
      () =>
        broken("cesizen-nextjs.yaml", "gcp:secretmanager/secretIamMember:SecretIamMember", (_m, p) =>
          without(p, (r) => r.name === "cesizen-prod-backups-pg-drill-reads-drill-target-url"),
        ),
      /cesizen-prod-backups-pg-drill: .* may not read its DRILL_TARGET_URL secret/,
    ],
    [
      "everyScheduleHasItsExecutor",
      () =>
        broken("prod", "gcp:pubsub/subscription:Subscription", (_s, p) =>
          without(p, (r) => r.type === "gcp:pubsub/subscription:Subscription"),
        ),
      /a topic nobody subscribes to/,
    ],
    [
      "everyScheduleHasItsExecutor",
      () =>
        broken("prod", "kubernetes:batch/v1:CronJob", (_c, p) =>
          without(p, (r) => r.type === "kubernetes:batch/v1:CronJob"),
        ),
      /postgres backup: its executor kubernetes-cronjob shop-prod-backups-pg-backup is not in the stack/,
    ],
    [
      "everyAlertMetricIsEmitted",
      () =>
        broken("prod", "kubernetes:networking.k8s.io/v1:Ingress", (_i, p) =>
          without(p, (r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress"),
        ),
      /nothing in the stack emits https_lb_rule series/,
    ],
  ];
  it.each(cases)("%s: %s", (rule, fixture, message) => {
    expect((RULES[rule]?.(fixture(), root) ?? []).join("\n")).toMatch(message);
  });
});

describe("one Vercel project's variables across its stacks", () => {
  it("never set one key twice on a target and branch (Vercel's ENV_CONFLICT)", () => {
    expect(vercelEnvConflicts([...plans.values()])).toEqual([]);
  });

  it("fails on staging's preview values set for every branch, as dev's are", () => {
    const staging = structuredClone(plans.get("staging") as StackPlan);
    for (const r of staging.resources) delete r.inputs.gitBranch;
    expect(vercelEnvConflicts([plans.get("dev") as StackPlan, staging]).join("\n")).toMatch(
      /staging shop-staging-web-env-database_url-preview: shop-web DATABASE_URL preview every branch is already set by dev shop-dev-web-env-database_url-preview \(ENV_CONFLICT\)/,
    );
  });
});

describe("what garde plan cannot check offline, it says", () => {
  it("names the cluster that must have Workload Identity on, where backups run in it, and only there", () => {
    const warningOf = (name: string) =>
      (plans.get(name) as StackPlan).warnings.find((w) => w.includes("Workload Identity"));
    expect(warningOf("prod")).toMatch(
      /cluster shop-prod \(europe-west1\) must have it on \(gcloud container clusters update shop-prod --location europe-west1 --workload-pool=acme-shop-prod\.svc\.id\.goog/,
    );
    expect(warningOf("cesizen-nextjs.yaml")).toBeUndefined();
  });
});

describe("scheduled backups that fail page someone (P2)", () => {
  const failureAlerts = (name: string) =>
    (plans.get(name) as StackPlan).resources.filter(
      (r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy" && /-(backup|drill)-failed$/.test(r.name),
    );
  it("watches each CronJob's container for garde's error line, routed as P2", () => {
    const prod = plans.get("prod") as StackPlan;
    expect(failureAlerts("prod").map((a) => a.name)).toEqual([
      "shop-prod-alerts-backup-failed",
      "shop-prod-alerts-drill-failed",
    ]);
    const metric = prod.resources.find((r) => r.name === "shop-prod-alerts-backup-failures");
    expect(metric?.inputs.filter).toBe(
      'resource.type="k8s_container" AND resource.labels.namespace_name="shop-prod" AND resource.labels.container_name="garde-backup" AND textPayload=~"^garde: "',
    );
    expect(prod.alerts.find((a) => a.id === "backup-failed")).toMatchObject({
      severity: "P2",
      routes: ["slack", "email"],
    });
  });

  it("checks hourly that a backup newer than the schedule allows exists, and pages P2 when not", () => {
    const prod = plans.get("prod") as StackPlan;
    const check = prod.schedules.find((s) => s.what === "backup freshness check");
    expect(check).toMatchObject({
      schedule: "15 * * * *",
      command: "garde backup-age --store gs://acme-shop-prod-shop-prod-backups/postgres --max-age 26h",
      executor: { kind: "kubernetes-cronjob", name: "shop-prod-backups-pg-freshness" },
    });
    expect(prod.alerts.find((a) => a.id === "freshness-failed")).toMatchObject({
      title: "no backup newer than its schedule allows",
      severity: "P2",
    });
    // It only lists the store: read, never write or delete.
    const roles = prod.resources
      .filter(
        (r) => r.type === "gcp:storage/bucketIAMMember:BucketIAMMember" && r.name.includes("-freshness-"),
      )
      .map((r) => r.inputs.role);
    expect(roles).toEqual(["roles/storage.objectViewer"]);
  });

  it("reads a Cloud Run job's own failed executions", () => {
    const [backup] = failureAlerts("cesizen-nextjs.yaml");
    expect(String(at(backup?.inputs ?? {}, "conditions.0.conditionThreshold.filter"))).toBe(
      'metric.type = "run.googleapis.com/job/completed_execution_count" AND resource.type = "cloud_run_job" AND resource.label.job_name = "cesizen-prod-pg-backup" AND metric.label.result = "failed"',
    );
  });
});
