import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS, MIN_RETENTION_DAYS } from "../../infra/config.ts";
import { type PlannedResource, SECRET_SIG, type StackPlan } from "../../infra/plan.ts";
import { readStackFile } from "../../infra/stack-file.ts";
import { examples, planReferenceStacks, root, stacks } from "./reference-plans.ts";

let plans = new Map<string, StackPlan>();
beforeAll(async () => {
  plans = await planReferenceStacks();
}, 60_000);

const plan = (name: string) => plans.get(name) as StackPlan;
const ofType = (p: StackPlan, type: string) => p.resources.filter((r) => r.type === type);
const channelTypesOf = (p: StackPlan, policy: PlannedResource) => {
  const ids = policy.inputs.notificationChannels as string[];
  return ofType(p, "gcp:monitoring/notificationChannel:NotificationChannel")
    .filter((c) => ids.includes(`${c.name}-id`))
    .map((c) => c.inputs.type);
};

/** Every string in a resource's inputs outside a secret envelope. */
function plainStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) plainStrings(v, out);
  else if (value && typeof value === "object") {
    if (SECRET_SIG in value) return out;
    for (const v of Object.values(value)) plainStrings(v, out);
  }
  return out;
}

describe("the policy pack on the reference stacks and seed examples", () => {
  it.each([...stacks, ...examples])("%s breaks no mandatory policy", (name) => {
    const p = plan(name);
    expect(p.policies.checked).toBe(p.environment === "prod" ? 24 : 19);
    expect(p.policies.violations.filter((v) => v.enforcement === "mandatory")).toEqual([]);
  });

  it("keeps what garde cannot drill in sight, as advisories with the stack's reason", () => {
    for (const name of ["csar-laravel.yaml", "tenants-firebase-gke.yaml"]) {
      const [advisory, ...rest] = plan(name).policies.violations;
      expect(rest, name).toEqual([]);
      expect(advisory, name).toMatchObject({
        policy: "prod-datastore-restore-drill",
        enforcement: "advisory",
        reason: expect.stringMatching(/by hand/),
      });
    }
  });

  it("shows the resource a stack exempts, and why", () => {
    expect(plan("cesizen-nextjs.yaml").policies.exemptions).toEqual([
      {
        policy: "secret-rotation-period",
        resources: ["cesizen-prod-secrets-backup-age-key"],
        reason: expect.stringContaining("changes yearly together with that public key"),
      },
    ]);
  });
});

describe("reference stacks and seed examples under mocks", () => {
  it("routes every production P1 alert to SMS, Slack and email at once", () => {
    const prod = plan("prod");
    const p1 = ofType(prod, "gcp:monitoring/alertPolicy:AlertPolicy").filter((r) =>
      String(r.inputs.displayName).startsWith("[P1]"),
    );
    expect(p1.length).toBeGreaterThanOrEqual(3);
    for (const policy of p1) {
      expect(channelTypesOf(prod, policy), String(policy.inputs.displayName)).toEqual(
        expect.arrayContaining(["sms", "slack", "email"]),
      );
      expect(policy.inputs.severity).toBe("CRITICAL");
    }
    const p3 = ofType(prod, "gcp:monitoring/alertPolicy:AlertPolicy").find((r) =>
      String(r.inputs.displayName).startsWith("[P3]"),
    );
    expect(channelTypesOf(prod, p3 as PlannedResource)).toEqual(["email"]);
    // Metric policies ignore notificationRateLimit: no digest is claimed, plan says so instead.
    expect(p3?.inputs.alertStrategy).toEqual({ autoClose: "1800s" });
    expect(prod.warnings.join("\n")).toMatch(/cannot batch metric alerts/);
  });

  it("keeps the seeds' thresholds in production: 5xx > 5 in 5 min, P95 > 2 s, down from > 1 region, CPU > 80 %", () => {
    const byId = Object.fromEntries(plan("prod").alerts.map((a) => [a.id, a.threshold]));
    expect(byId).toMatchObject({
      "http-5xx": 5,
      "latency-p95": 2000,
      availability: 1,
      cpu: 0.8,
      memory: 0.9,
      "cert-expiry": 30,
      "failed-logins": 50,
    });
  });

  it.each([...stacks, ...examples])(
    "%s: every datastore has a backup schedule kept as long as its environment requires",
    (name) => {
      const p = plan(name);
      const file = readStackFile(
        name.endsWith(".yaml") ? join(root, "examples", name) : join(root, `Pulumi.${name}.yaml`),
      );
      const backups = file.values.backups as
        | {
            retentionDays: number;
            postgres?: { via?: string };
            drill?: object;
            firestore?: object;
            cloudSql?: object;
          }
        | undefined;
      if (!backups) return;
      const days = backups.retentionDays;
      expect(days).toBeGreaterThanOrEqual(MIN_RETENTION_DAYS[p.environment]);
      for (const bucket of ofType(p, "gcp:storage/bucket:Bucket")) {
        // Versioning and soft delete, never with a retention policy (GCS refuses the pair).
        expect(bucket.inputs).toMatchObject({
          versioning: { enabled: true },
          publicAccessPrevention: "enforced",
          uniformBucketLevelAccess: true,
          softDeletePolicy: { retentionDurationSeconds: Math.min(days, 90) * 86_400 },
        });
        expect(bucket.inputs.retentionPolicy).toBeUndefined();
        const rules = bucket.inputs.lifecycleRules as {
          action: { type: string };
          condition: { age?: number };
        }[];
        // Where garde prune owns retention (a drill is configured), no age rule may delete the
        // last backup proven to restore; the off-site copy keeps an age rule, at least as long
        // as prune may keep a backup (copyOutlivesPrune in invariants.ts holds it to the flags).
        const ages = rules.filter((r) => r.action.type === "Delete" && r.condition.age !== undefined);
        const copy = String(bucket.inputs.name).endsWith("-copy");
        if (backups.drill && !copy) expect(ages).toEqual([]);
        else expect(ages.map((r) => r.condition.age)).toEqual([backups.drill ? expect.any(Number) : days]);
        if (copy) expect(ages[0]?.condition.age).toBeGreaterThanOrEqual(days);
      }
      const locations = ofType(p, "gcp:storage/bucket:Bucket").map((b) => b.inputs.location);
      expect(new Set(locations).size).toBe(2);
      if (backups.postgres) {
        const summary = p.schedules.find((b) => b.what === "postgres backup");
        expect(summary).toMatchObject({
          schedule: "30 0 * * *",
          ...(backups.drill ? {} : { retentionDays: days }),
        });
        expect(summary?.command).toMatch(
          /^garde backup --database-url-env DATABASE_URL --store gs:\/\/\S+\/postgres/,
        );
        if ((backups.postgres.via ?? "kubernetes") === "kubernetes") {
          const [cron] = ofType(p, "kubernetes:batch/v1:CronJob");
          expect((cron?.inputs.spec as { schedule?: string } | undefined)?.schedule).toBe("30 0 * * *");
        } else {
          const [trigger] = ofType(p, "gcp:cloudscheduler/job:Job");
          expect(trigger?.inputs.schedule).toBe("30 0 * * *");
          expect((trigger?.inputs.httpTarget as { uri: string } | undefined)?.uri).toMatch(
            /run\.googleapis\.com\/v2\/.*\/jobs\/.*-pg-backup:run$/,
          );
        }
      }
      if (backups.firestore) {
        // Daily keeps at most 7 days; the weekly schedule keeps the rest of the history.
        const retentions = ofType(p, "gcp:firestore/backupSchedule:BackupSchedule").map(
          (s) => s.inputs.retention,
        );
        expect(retentions.sort()).toEqual([`${7 * 86_400}s`, `${days * 86_400}s`].sort());
      }
      if (backups.cloudSql) {
        const [sql] = ofType(p, "gcp:sql/databaseInstance:DatabaseInstance");
        const config = (sql?.inputs.settings as { backupConfiguration?: Record<string, unknown> } | undefined)
          ?.backupConfiguration;
        expect(config).toMatchObject({
          enabled: true,
          startTime: "00:30",
          backupRetentionSettings: { retainedBackups: days },
        });
        // MySQL recovers to a point in time from binary logs; the PostgreSQL flag is refused there.
        if (String(sql?.inputs.databaseVersion).startsWith("MYSQL")) {
          expect(config?.binaryLogEnabled).toBe(true);
          expect(config?.pointInTimeRecoveryEnabled).toBeUndefined();
        } else expect(config?.pointInTimeRecoveryEnabled).toBe(true);
      }
      // A drill target makes the drill a schedule that proves the backups; without one, a warning.
      const drill = p.schedules.find((b) => b.what === "restore drill, then retention");
      if (backups.postgres && backups.drill) {
        expect(drill?.command).toMatch(
          /^garde drill --store gs:\/\/\S+ --target-url-env DRILL_TARGET_URL.* && garde prune /,
        );
        expect(p.schedules.find((b) => b.what === "postgres backup")?.provenBy).toContain(
          drill?.executor.name,
        );
      } else {
        expect(drill).toBeUndefined();
        expect(p.pending.some((b) => b.what === "restore drill")).toBe(true);
      }
    },
  );

  it.each([...stacks, ...examples])(
    "%s: no secret value appears in plain text in any resource input",
    (name) => {
      const p = plan(name);
      const leaks = p.resources.flatMap((r) =>
        plainStrings(r.inputs)
          .filter((s) => s.includes("(secret "))
          .map((s) => `${r.type} ${r.name}: ${s}`),
      );
      expect(leaks).toEqual([]);
      const file = readStackFile(
        name.endsWith(".yaml") ? join(root, "examples", name) : join(root, `Pulumi.${name}.yaml`),
      );
      const declared =
        (file.values.vercel as { env?: { key: string; secret?: string }[] } | undefined)?.env ?? [];
      for (const v of ofType(p, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")) {
        const isSecret = declared.some((e) => e.key === v.inputs.key && e.secret !== undefined);
        expect(
          declared.some((e) => e.key === v.inputs.key && "rotated" in e),
          `${v.inputs.key} has two owners`,
        ).toBe(false);
        expect(v.inputs.sensitive, `${v.inputs.key}`).toBe(isSecret);
        if (isSecret)
          expect(
            typeof v.inputs.value === "object" && v.inputs.value !== null && SECRET_SIG in v.inputs.value,
          ).toBe(true);
      }
    },
  );

  it("makes dev cost less than prod: fewer resources, fewer replicas, shorter retention, fewer alerts", () => {
    const dev = plan("dev");
    const prod = plan("prod");
    expect(dev.resources.length).toBeLessThan(prod.resources.length);
    expect(dev.alerts.length).toBeLessThan(prod.alerts.length);
    const replicas = (p: StackPlan) =>
      (ofType(p, "kubernetes:apps/v1:Deployment")[0]?.inputs.spec as { replicas?: number } | undefined)
        ?.replicas ?? 0;
    expect(replicas(dev)).toBeLessThan(replicas(prod));
    const retention = (p: StackPlan) => p.schedules[0]?.retentionDays ?? 0;
    expect(retention(dev)).toBeLessThan(retention(prod));
  });

  it("stages production on Vercel and binds GitHub OIDC to the repository and its environment", () => {
    const prod = plan("prod");
    expect(ofType(prod, "vercel:index/project:Project")[0]?.inputs).toMatchObject({
      autoAssignCustomDomains: false,
    });
    const provider = ofType(prod, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")[0];
    // Pinned by ids (a name can be transferred and re-registered), the environment and the refs.
    expect(provider?.inputs.attributeCondition).toBe(
      'assertion.repository_id == "700000001" && assertion.repository_owner_id == "600000001" && assertion.environment == "production" && (assertion.ref == "refs/heads/main" || assertion.ref.startsWith("refs/heads/hotfix/"))',
    );
    const impersonation = ofType(prod, "gcp:serviceaccount/iAMMember:IAMMember").find((m) =>
      m.name.endsWith("-impersonation"),
    );
    expect(String(impersonation?.inputs.member)).toMatch(/attribute\.repository_id\/700000001$/);
    // The deployer can do what the pipelines do: rotate each secret, read alerts.
    expect(
      ofType(prod, "gcp:secretmanager/secretIamMember:SecretIamMember").filter((m) =>
        m.name.includes("-rotates-"),
      ),
    ).toHaveLength(3);
    expect(ofType(prod, "gcp:projects/iAMMember:IAMMember").map((m) => m.inputs.role)).toContain(
      "roles/monitoring.viewer",
    );

    const secrets = ofType(prod, "gcp:secretmanager/secret:Secret").filter(
      (s) => !String(s.inputs.secretId).endsWith("-garde-rotation-audit"),
    );
    const periods = Object.fromEntries(
      secrets.map((s) => [
        s.inputs.secretId,
        (s.inputs.rotation as { rotationPeriod: string }).rotationPeriod,
      ]),
    );
    expect(periods).toEqual({
      "prod-database-password": "2592000s",
      "prod-session-secret": "7776000s",
      "prod-api-token": "2592000s",
    });
    expect(secrets.every((s) => (s.inputs.topics as unknown[]).length === 1)).toBe(true);
    // Rotation and secret management own these fields after creation.
    for (const s of secrets) {
      expect(s.protect).toBe(true);
      expect(s.ignoreChanges).toEqual(["rotation.nextRotationTime", "versionAliases", "annotations"]);
      const next = Date.parse((s.inputs.rotation as { nextRotationTime: string }).nextRotationTime);
      expect(next).toBeGreaterThan(Date.parse("2026-11-22T12:00:00Z"));
    }
  });

  it("keeps the tenants runbook's levers: a rate-limits ConfigMap and a read-only switch", () => {
    const p = plan("tenants-firebase-gke.yaml");
    const maps = ofType(p, "kubernetes:core/v1:ConfigMap").map((m) => m.inputs);
    expect(maps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          metadata: expect.objectContaining({ name: "rate-limits" }),
          data: { global: "1000" },
        }),
        expect.objectContaining({
          metadata: expect.objectContaining({ name: "runtime-switches" }),
          data: { READ_ONLY_MODE: "false" },
        }),
      ]),
    );
  });

  it("declares every config key in Pulumi.yaml", () => {
    const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    expect(Object.keys(project.config).sort()).toEqual(CONFIG_KEYS.map((k) => `garde:${k}`).sort());
  });
});
