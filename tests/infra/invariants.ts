import { existsSync } from "node:fs";
import { join } from "node:path";
import { API_LIMITS } from "../../infra/api-limits.ts";
import { cloudSqlTierProblem } from "../../infra/config.ts";
import type { PlannedResource, StackPlan } from "../../infra/plan.ts";
import { apisFor } from "../../infra/project-apis.ts";
import { at, DAY, durationSeconds } from "../../policies/props.ts";

/**
 * Constraints the real APIs enforce (or that a real apply needs), checked on a mocked plan. Each
 * rule returns its violations, one line each; tests/infra/invariants.test.ts runs every rule on
 * every stack and example, and shows each one failing on a fixture.
 */
export type Rule = (plan: StackPlan, repoRoot: string) => string[];

const ofType = (p: StackPlan, type: string) => p.resources.filter((r) => r.type === type);

export const noVersioningWithRetentionPolicy: Rule = (p) =>
  ofType(p, "gcp:storage/bucket:Bucket")
    .filter((b) => at(b.inputs, "versioning.enabled") === true && b.inputs.retentionPolicy !== undefined)
    .map((b) => `${b.name}: GCS refuses a retention policy on a versioned bucket`);

function bucketGrants(p: StackPlan, bucket: unknown, memberLike: string): string[] {
  return ofType(p, "gcp:storage/bucketIAMMember:BucketIAMMember")
    .filter((m) => m.inputs.bucket === bucket && String(m.inputs.member).includes(memberLike))
    .map((m) => String(m.inputs.role));
}

export const serviceAgentsGranted: Rule = (p) => {
  const out: string[] = [];
  for (const job of ofType(p, "gcp:storage/transferJob:TransferJob")) {
    const source = at(job.inputs, "transferSpec.gcsDataSource.bucketName");
    const sink = at(job.inputs, "transferSpec.gcsDataSink.bucketName");
    const reads = bucketGrants(p, source, "storage-transfer-service");
    const writes = bucketGrants(p, sink, "storage-transfer-service");
    for (const role of ["roles/storage.objectViewer", "roles/storage.legacyBucketReader"])
      if (!reads.includes(role))
        out.push(`${job.name}: the transfer agent lacks ${role} on source ${source}`);
    if (!writes.includes("roles/storage.legacyBucketWriter"))
      out.push(`${job.name}: the transfer agent lacks roles/storage.legacyBucketWriter on sink ${sink}`);
  }
  // Whether the Secret Manager agent may publish rotation events is the policy pack's
  // secret-rotation-published (policies/secrets.ts), run on every plan.
  for (const trigger of ofType(p, "gcp:cloudscheduler/job:Job")) {
    const email = String(at(trigger.inputs, "httpTarget.oauthToken.serviceAccountEmail"));
    const may = ofType(p, "gcp:cloudrunv2/jobIamMember:JobIamMember").some(
      (m) => m.inputs.role === "roles/run.invoker" && m.inputs.member === `serviceAccount:${email}`,
    );
    if (!may) out.push(`${trigger.name}: ${email} may not run the Cloud Run job it triggers`);
  }
  // garde's jobs reach the bucket through the Storage API: the identity they run as needs a
  // role on the bucket their --store names, and read access to each secret they are given.
  const storeOf = (args: unknown) => /gs:\/\/([^/\s]+)/.exec(JSON.stringify(args ?? ""))?.[1];
  // garde backup-age only lists the store; every other job writes to it.
  const readsOnly = (args: unknown) => JSON.stringify(args ?? "").includes('"backup-age"');
  const mayWrite = (email: string, bucket: string | undefined, args?: unknown) => {
    const roles = bucketGrants(p, bucket, email);
    if (readsOnly(args)) return roles.includes("roles/storage.objectViewer");
    return roles.includes("roles/storage.objectCreator") || roles.includes("roles/storage.objectUser");
  };
  for (const job of ofType(p, "gcp:cloudrunv2/job:Job")) {
    const email = String(at(job.inputs, "template.template.serviceAccount"));
    const container = at(job.inputs, "template.template.containers.0") as {
      args?: string[];
      envs?: { name: string; valueSource?: { secretKeyRef?: { secret: string } } }[];
    };
    const bucket = storeOf(container.args);
    if (!mayWrite(email, bucket, container.args))
      out.push(`${job.name}: ${email} may not ${readsOnly(container.args) ? "read" : "write to"} ${bucket}`);
    for (const env of container.envs ?? []) {
      const secret = env.valueSource?.secretKeyRef?.secret;
      if (!secret) continue;
      const reads = ofType(p, "gcp:secretmanager/secretIamMember:SecretIamMember").some(
        (m) =>
          m.inputs.member === `serviceAccount:${email}` &&
          m.inputs.secretId === secret &&
          m.inputs.role === "roles/secretmanager.secretAccessor",
      );
      if (!reads) out.push(`${job.name}: ${email} may not read its ${env.name} secret`);
    }
  }
  for (const cron of ofType(p, "kubernetes:batch/v1:CronJob")) {
    const pod = "spec.jobTemplate.spec.template.spec";
    const ksa = at(cron.inputs, `${pod}.serviceAccountName`);
    const bound = ofType(p, "gcp:serviceaccount/iAMMember:IAMMember").some(
      (m) =>
        m.inputs.role === "roles/iam.workloadIdentityUser" && String(m.inputs.member).endsWith(`/${ksa}]`),
    );
    if (!ksa || !bound)
      out.push(`${cron.name}: runs without a Workload Identity bound to a Google service account`);
    const account = ofType(p, "kubernetes:core/v1:ServiceAccount").find(
      (a) => at(a.inputs, "metadata.name") === ksa,
    );
    const annotations = at(account?.inputs ?? {}, "metadata.annotations") as
      | Record<string, string>
      | undefined;
    const email = annotations?.["iam.gke.io/gcp-service-account"] ?? "";
    const cronArgs = at(cron.inputs, `${pod}.containers.0.args`);
    const bucket = storeOf(cronArgs);
    if (bucket && !mayWrite(email, bucket, cronArgs))
      out.push(
        `${cron.name}: ${email || "its pods"} may not ${readsOnly(cronArgs) ? "read" : "write to"} ${bucket}`,
      );
  }
  return out;
};

export const logMetricAlertsDependOnTheirMetric: Rule = (p) =>
  ofType(p, "gcp:monitoring/alertPolicy:AlertPolicy").flatMap((policy) => {
    const filter = String(at(policy.inputs, "conditions.0.conditionThreshold.filter") ?? "");
    const metric = /logging\.googleapis\.com\/user\/(\w+)/.exec(filter)?.[1];
    if (!metric) return [];
    const owner = ofType(p, "gcp:logging/metric:Metric").find((m) => m.inputs.name === metric);
    return owner && policy.dependsOn.includes(owner.name)
      ? []
      : [`${policy.name}: reads log metric ${metric} without depending on it (the first apply 404s)`];
  });

export const cloudSqlReachable: Rule = (p) =>
  ofType(p, "gcp:sql/databaseInstance:DatabaseInstance")
    .filter((i) => {
      const ip = at(i.inputs, "settings.ipConfiguration") as {
        ipv4Enabled?: boolean;
        privateNetwork?: string;
      };
      return !ip?.ipv4Enabled && !ip?.privateNetwork;
    })
    .map((i) => `${i.name}: no public IP and no private network: Cloud SQL refuses an unreachable instance`);

export const pointInTimeRecoveryOnlyWhereSupported: Rule = (p) =>
  ofType(p, "gcp:sql/databaseInstance:DatabaseInstance")
    .filter(
      (i) =>
        !String(i.inputs.databaseVersion).startsWith("POSTGRES") &&
        at(i.inputs, "settings.backupConfiguration.pointInTimeRecoveryEnabled") !== undefined,
    )
    .map(
      (i) =>
        `${i.name}: pointInTimeRecoveryEnabled is PostgreSQL's; ${i.inputs.databaseVersion} needs binaryLogEnabled`,
    );

export const valuesWithinApiBounds: Rule = (p) => {
  const out: string[] = [];
  for (const i of ofType(p, "gcp:sql/databaseInstance:DatabaseInstance")) {
    const kept = Number(at(i.inputs, "settings.backupConfiguration.backupRetentionSettings.retainedBackups"));
    if (!(kept >= 1 && kept <= API_LIMITS.cloudSqlRetainedBackups))
      out.push(`${i.name}: retainedBackups ${kept} outside 1–365`);
    const logs = Number(at(i.inputs, "settings.backupConfiguration.transactionLogRetentionDays"));
    if (!(logs >= 1 && logs <= API_LIMITS.cloudSqlLogRetentionDays))
      out.push(`${i.name}: transactionLogRetentionDays ${logs} outside 1–7`);
  }
  for (const s of ofType(p, "gcp:firestore/backupSchedule:BackupSchedule")) {
    const max = s.inputs.dailyRecurrence
      ? API_LIMITS.firestoreDailyRetentionDays
      : API_LIMITS.firestoreWeeklyRetentionDays;
    if (durationSeconds(s.inputs.retention) > max * DAY)
      out.push(`${s.name}: retention ${s.inputs.retention} over ${max} days`);
  }
  for (const b of ofType(p, "gcp:storage/bucket:Bucket")) {
    const soft = Number(at(b.inputs, "softDeletePolicy.retentionDurationSeconds") ?? 7 * DAY);
    if (soft !== 0 && (soft < 7 * DAY || soft > API_LIMITS.softDeleteMaxDays * DAY))
      out.push(`${b.name}: soft delete ${soft}s outside 7–90 days`);
  }
  return out;
};

/**
 * Cloud SQL takes a tier only in its edition; an edition left out is the API's default, which is
 * ENTERPRISE_PLUS from PostgreSQL 16 on (and refuses custom and shared-core tiers).
 */
export const cloudSqlEditionFitsTier: Rule = (p) =>
  ofType(p, "gcp:sql/databaseInstance:DatabaseInstance").flatMap((i) => {
    const version = String(i.inputs.databaseVersion);
    const pg = /^POSTGRES_(\d+)$/.exec(version);
    const edition =
      (at(i.inputs, "settings.edition") as "ENTERPRISE" | "ENTERPRISE_PLUS" | undefined) ??
      (pg && Number(pg[1]) >= 16 ? "ENTERPRISE_PLUS" : "ENTERPRISE");
    const problem = cloudSqlTierProblem(edition, String(at(i.inputs, "settings.tier")));
    return problem ? [`${i.name}: ${version} edition ${edition}: ${problem}`] : [];
  });

export const apisEnabledBeforeUse: Rule = (p) => {
  const serviceByApi = new Map(
    ofType(p, "gcp:projects/service:Service").map((s) => [String(s.inputs.service), s.name]),
  );
  return p.resources
    .filter((r) => r.type.startsWith("gcp:") && r.type !== "gcp:projects/service:Service")
    .flatMap((r) =>
      apisFor(r.type)
        .filter((api) => !r.dependsOn.includes(serviceByApi.get(api) ?? "(not enabled)"))
        .map((api) => `${r.name}: created before ${api} is enabled`),
    );
};

export const everyScheduleHasItsExecutor: Rule = (p, repoRoot) => {
  const names = new Set(p.resources.map((r) => r.name));
  const out: string[] = [];
  for (const s of p.schedules) {
    const e = s.executor;
    const exists = e.kind === "github-workflow" ? existsSync(join(repoRoot, e.name)) : names.has(e.name);
    if (!exists) out.push(`${s.what}: its executor ${e.kind} ${e.name} is not in the stack`);
    if (e.trigger && !names.has(e.trigger))
      out.push(`${s.what}: its trigger ${e.trigger} is not in the stack`);
  }
  const read = new Set(ofType(p, "gcp:pubsub/subscription:Subscription").map((s) => String(s.inputs.topic)));
  const topicIds = new Map(
    ofType(p, "gcp:pubsub/topic:Topic").map((t) => [
      `projects/${t.inputs.project}/topics/${t.inputs.name}`,
      t.name,
    ]),
  );
  for (const [id, name] of topicIds) if (!read.has(id)) out.push(`${name}: a topic nobody subscribes to`);
  for (const job of ofType(p, "gcp:cloudscheduler/job:Job"))
    if (job.inputs.pubsubTarget) {
      const topic = String(at(job.inputs, "pubsubTarget.topicName"));
      if (!read.has(topic)) out.push(`${job.name}: publishes into ${topic}, which nothing reads`);
    }
  return out;
};

/** What must exist in the stack for a monitored resource type to have series at all. */
const EMITTERS: Record<string, (p: StackPlan, filter: string) => boolean> = {
  k8s_container: (p) => ofType(p, "kubernetes:apps/v1:Deployment").length > 0,
  https_lb_rule: (p) => ofType(p, "kubernetes:networking.k8s.io/v1:Ingress").length > 0,
  uptime_url: (p, filter) => {
    const hosts = [
      ...(/resource\.label\.host = one_of\(([^)]*)\)/.exec(filter)?.[1] ?? "").matchAll(/"([^"]+)"/g),
    ].map((m) => m[1]);
    const checked = new Set(
      ofType(p, "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig").map((u) =>
        at(u.inputs, "monitoredResource.labels.host"),
      ),
    );
    return hosts.length > 0 && hosts.every((h) => checked.has(h));
  },
  cloudsql_database: (p) => ofType(p, "gcp:sql/databaseInstance:DatabaseInstance").length > 0,
  cloud_run_job: (p, filter) => {
    const name = /resource\.label\.job_name = "([^"]+)"/.exec(filter)?.[1];
    return ofType(p, "gcp:cloudrunv2/job:Job").some((j) => j.inputs.name === name);
  },
};

export const everyAlertMetricIsEmitted: Rule = (p) =>
  ofType(p, "gcp:monitoring/alertPolicy:AlertPolicy").flatMap((policy: PlannedResource) => {
    const filter = String(at(policy.inputs, "conditions.0.conditionThreshold.filter") ?? "");
    const type = /resource\.type = "([^"]+)"/.exec(filter)?.[1] ?? "(none)";
    const emitter = EMITTERS[type];
    return emitter?.(p, filter)
      ? []
      : [`${policy.name}: nothing in the stack emits ${type} series for ${filter.split(" AND ")[0]}`];
  });

/**
 * Across the stacks of one Vercel project (each stack adds its part to the project the prod stack
 * creates), Vercel refuses a second variable of one key on a target and branch: ENV_CONFLICT on
 * the first apply of the later stack. A variable without gitBranch covers every branch.
 */
export function vercelEnvConflicts(plans: readonly StackPlan[]): string[] {
  const projectOf = (plan: StackPlan, id: unknown) => {
    const created = ofType(plan, "vercel:index/project:Project").find((r) => `${r.name}-id` === id);
    return created ? String(created.inputs.name) : String(id).replace(/^prj_/, "");
  };
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const plan of plans) {
    for (const v of ofType(plan, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")) {
      const branch = v.inputs.gitBranch === undefined ? "every branch" : `branch ${v.inputs.gitBranch}`;
      for (const target of (v.inputs.targets as string[] | undefined) ?? []) {
        const key = `${projectOf(plan, v.inputs.projectId)} ${v.inputs.key} ${target} ${target === "preview" ? branch : ""}`;
        const first = seen.get(key);
        if (first)
          out.push(`${plan.stack} ${v.name}: ${key.trim()} is already set by ${first} (ENV_CONFLICT)`);
        else seen.set(key, `${plan.stack} ${v.name}`);
      }
    }
  }
  return out;
}

/**
 * The second copy keeps every backup the primary keeps: where garde prune owns the primary's
 * retention (its --keep-* flags in a drill job), the copy's age rule must not delete sooner than
 * the oldest backup prune keeps (a month counted as 31 days).
 */
export const copyOutlivesPrune: Rule = (p) => {
  const text = JSON.stringify(
    p.resources.filter((r) => /CronJob|cloudrunv2\/job/.test(r.type)).map((r) => r.inputs),
  );
  const flag = (name: string) => Number(new RegExp(`--keep-${name} (\\d+)`).exec(text)?.[1] ?? 0);
  if (!/garde prune/.test(text)) return [];
  const horizon = Math.max(flag("daily"), flag("weekly") * 7, flag("monthly") * 31);
  const out: string[] = [];
  for (const job of ofType(p, "gcp:storage/transferJob:TransferJob")) {
    const sink = at(job.inputs, "transferSpec.gcsDataSink.bucketName");
    const copy = ofType(p, "gcp:storage/bucket:Bucket").find((b) => b.inputs.name === sink);
    const rules =
      (copy?.inputs.lifecycleRules as { action: { type: string }; condition: { age?: number } }[]) ?? [];
    for (const rule of rules)
      if (rule.action.type === "Delete" && rule.condition.age !== undefined && rule.condition.age < horizon)
        out.push(
          `${copy?.name}: deletes copies after ${rule.condition.age} days, while garde prune keeps backups up to ${horizon} days old`,
        );
  }
  return out;
};

/**
 * The deploy identity reaches the app it deploys: on a stack with a Kubernetes app and GitHub's
 * keyless access, the deploy account may read the cluster (get-gke-credentials) and holds a Role
 * in the app's namespace (the deploy, rollback and rotation write Deployments, Services, Secrets).
 */
export const deployerReachesTheCluster: Rule = (p) => {
  const deployer = ofType(p, "gcp:serviceaccount/account:Account").find((a) =>
    String(a.inputs.accountId).startsWith("deploy-"),
  );
  const app = ofType(p, "kubernetes:apps/v1:Deployment").find(
    (d) => at(d.inputs, "metadata.name") === "api-server",
  );
  if (!deployer || !app) return [];
  const email = `${deployer.inputs.accountId}@${deployer.inputs.project}.iam.gserviceaccount.com`;
  const namespace = at(app.inputs, "metadata.namespace");
  const out: string[] = [];
  const viewer = ofType(p, "gcp:projects/iAMMember:IAMMember").some(
    (m) => m.inputs.member === `serviceAccount:${email}` && m.inputs.role === "roles/container.clusterViewer",
  );
  if (!viewer) out.push(`${deployer.name}: ${email} may not read the cluster (get-gke-credentials gets 403)`);
  const bound = ofType(p, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").some(
    (b) =>
      at(b.inputs, "metadata.namespace") === namespace &&
      ((b.inputs.subjects as { name?: string }[] | undefined) ?? []).some((s) => s.name === email),
  );
  if (!bound)
    out.push(`${deployer.name}: ${email} holds no Role in namespace ${namespace} (the deploy gets 403)`);
  return out;
};

/**
 * The identity that rotates secrets can write rotate-keys' audit trail: a 403 on the audit secret
 * halts the rotation after its first step. The trail is a secret the stack creates, with a
 * version-adder grant, since the rotation has no right to create secrets.
 */
export const rotatorMayAudit: Rule = (p) => {
  const grants = ofType(p, "gcp:secretmanager/secretIamMember:SecretIamMember");
  const rotators = new Set(
    grants.filter((g) => g.name.includes("-rotates-")).map((g) => String(g.inputs.member)),
  );
  const audit = ofType(p, "gcp:secretmanager/secret:Secret").find((s) =>
    String(s.inputs.secretId).endsWith("-garde-rotation-audit"),
  );
  const out: string[] = [];
  for (const member of rotators) {
    if (!audit) {
      out.push(`${member} rotates secrets, and the stack creates no audit secret for its records`);
      continue;
    }
    const may = grants.some(
      (g) =>
        String(g.inputs.member) === member &&
        g.inputs.role === "roles/secretmanager.secretVersionAdder" &&
        g.name.includes("-audit-"),
    );
    if (!may) out.push(`${member} rotates secrets and may not add records to ${audit.inputs.secretId}`);
  }
  return out;
};

/**
 * What a pod template names, the same stack creates: each Secret and ConfigMap a container reads
 * (unless marked optional) and the service account it runs as. A missing one leaves the pod in
 * CreateContainerConfigError: a CronJob that never starts fails no check and pages no one.
 */
export const podReferencesCreated: Rule = (p) => {
  const named = (type: string) => new Set(ofType(p, type).map((r) => String(at(r.inputs, "metadata.name"))));
  const secrets = named("kubernetes:core/v1:Secret");
  const configMaps = named("kubernetes:core/v1:ConfigMap");
  const accounts = named("kubernetes:core/v1:ServiceAccount");
  const out: string[] = [];
  const pods = [
    ...ofType(p, "kubernetes:apps/v1:Deployment").map(
      (d) => [d, at(d.inputs, "spec.template.spec")] as const,
    ),
    ...ofType(p, "kubernetes:batch/v1:CronJob").map(
      (c) => [c, at(c.inputs, "spec.jobTemplate.spec.template.spec")] as const,
    ),
  ];
  type Env = {
    valueFrom?: {
      secretKeyRef?: { name?: string; optional?: boolean };
      configMapKeyRef?: { name?: string; optional?: boolean };
    };
  };
  type EnvFrom = {
    secretRef?: { name?: string; optional?: boolean };
    configMapRef?: { name?: string; optional?: boolean };
  };
  for (const [owner, spec] of pods) {
    const pod = (spec ?? {}) as {
      serviceAccountName?: string;
      containers?: { env?: Env[]; envFrom?: EnvFrom[] }[];
    };
    if (pod.serviceAccountName && !accounts.has(pod.serviceAccountName))
      out.push(
        `${owner.name}: runs as service account ${pod.serviceAccountName}, which the stack does not create`,
      );
    for (const c of pod.containers ?? []) {
      const refs = [
        ...(c.env ?? []).flatMap((e) => [
          ["Secret", e.valueFrom?.secretKeyRef] as const,
          ["ConfigMap", e.valueFrom?.configMapKeyRef] as const,
        ]),
        ...(c.envFrom ?? []).flatMap((e) => [
          ["Secret", e.secretRef] as const,
          ["ConfigMap", e.configMapRef] as const,
        ]),
      ];
      for (const [kind, ref] of refs) {
        if (!ref?.name || ref.optional) continue;
        if (!(kind === "Secret" ? secrets : configMaps).has(ref.name))
          out.push(`${owner.name}: reads ${kind} ${ref.name}, which the stack does not create`);
      }
    }
  }
  return out;
};

export const RULES: Record<string, Rule> = {
  noVersioningWithRetentionPolicy,
  serviceAgentsGranted,
  logMetricAlertsDependOnTheirMetric,
  cloudSqlReachable,
  pointInTimeRecoveryOnlyWhereSupported,
  valuesWithinApiBounds,
  apisEnabledBeforeUse,
  cloudSqlEditionFitsTier,
  copyOutlivesPrune,
  deployerReachesTheCluster,
  rotatorMayAudit,
  podReferencesCreated,
  everyScheduleHasItsExecutor,
  everyAlertMetricIsEmitted,
};
