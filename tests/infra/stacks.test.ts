import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS, MIN_RETENTION_DAYS } from "../../infra/config.ts";
import { type PlannedResource, planStack, type StackPlan } from "../../infra/plan.ts";
import { readStackFile } from "../../infra/stack-file.ts";

const root = resolve(import.meta.dirname, "../..");
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const stacks = ["dev", "staging", "prod"] as const;
const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml"));

const plans = new Map<string, StackPlan>();
beforeAll(async () => {
  // Pulumi's mock runtime is process-wide: evaluate the stacks one after another.
  for (const s of stacks) plans.set(s, await planStack(readStackFile(join(root, `Pulumi.${s}.yaml`), s)));
  for (const e of examples) plans.set(e, await planStack(readStackFile(join(root, "examples", e))));
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
    const strategy = p3?.inputs.alertStrategy as { notificationRateLimit?: { period?: string } } | undefined;
    expect(strategy?.notificationRateLimit?.period).toBe("86400s");
  });

  it("keeps the seeds' thresholds in production: 5xx > 5 in 5 min, P95 > 2 s, availability < 99.9 %, CPU > 80 %", () => {
    const byId = Object.fromEntries(plan("prod").alerts.map((a) => [a.id, a.threshold]));
    expect(byId).toMatchObject({
      "http-5xx": 5,
      "latency-p95": 2000,
      availability: 0.999,
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
        | { retentionDays: number; postgres?: { via?: string }; firestore?: object; cloudSql?: object }
        | undefined;
      if (!backups) return;
      const days = backups.retentionDays;
      expect(days).toBeGreaterThanOrEqual(MIN_RETENTION_DAYS[p.environment]);
      for (const bucket of ofType(p, "gcp:storage/bucket:Bucket")) {
        expect(bucket.inputs).toMatchObject({
          versioning: { enabled: true },
          publicAccessPrevention: "enforced",
          uniformBucketLevelAccess: true,
          retentionPolicy: { retentionPeriod: String(days * 86_400) },
        });
      }
      const locations = ofType(p, "gcp:storage/bucket:Bucket").map((b) => b.inputs.location);
      expect(new Set(locations).size).toBe(2);
      if (backups.postgres) {
        const summary = p.backups.find((b) => b.datastore === "postgres");
        expect(summary).toMatchObject({ schedule: "30 0 * * *", retentionDays: days });
        if ((backups.postgres.via ?? "kubernetes") === "kubernetes") {
          const [cron] = ofType(p, "kubernetes:batch/v1:CronJob");
          expect((cron?.inputs.spec as { schedule?: string } | undefined)?.schedule).toBe("30 0 * * *");
        } else {
          expect(
            ofType(p, "gcp:cloudscheduler/job:Job").some((j) => j.inputs.schedule === "30 0 * * *"),
          ).toBe(true);
        }
      }
      if (backups.firestore) {
        const [schedule] = ofType(p, "gcp:firestore/backupSchedule:BackupSchedule");
        expect(schedule?.inputs.retention).toBe(`${days * 86_400}s`);
      }
      if (backups.cloudSql) {
        const [sql] = ofType(p, "gcp:sql/databaseInstance:DatabaseInstance");
        expect(
          (sql?.inputs.settings as { backupConfiguration?: unknown } | undefined)?.backupConfiguration,
        ).toMatchObject({
          enabled: true,
          startTime: "00:30",
          pointInTimeRecoveryEnabled: true,
          backupRetentionSettings: { retainedBackups: days },
        });
      }
      expect(p.backups.some((b) => b.how === "restore drill")).toBe(true);
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
    const retention = (p: StackPlan) => p.backups[0]?.retentionDays ?? 0;
    expect(retention(dev)).toBeLessThan(retention(prod));
  });

  it("stages production on Vercel and binds GitHub OIDC to the repository and its environment", () => {
    const prod = plan("prod");
    expect(ofType(prod, "vercel:index/project:Project")[0]?.inputs).toMatchObject({
      autoAssignCustomDomains: false,
    });
    const provider = ofType(prod, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")[0];
    expect(provider?.inputs.attributeCondition).toBe(
      'assertion.repository == "acme/shop" && assertion.environment == "production"',
    );
    const secrets = ofType(prod, "gcp:secretmanager/secret:Secret");
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
