"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// policies/pack.ts
var import_policy6 = require("@pulumi/policy");

// policies/access.ts
var gcp = __toESM(require("@pulumi/gcp"), 1);
var import_policy = require("@pulumi/policy");
var noServiceAccountKeys = {
  name: "no-service-account-keys",
  description: "No service account key is created: CI and jobs get short-lived tokens (GitHub OIDC, Workload Identity).",
  severity: "critical",
  tags: ["access"],
  remediationSteps: "Remove the key; let the workflow authenticate with google-github-actions/auth and garde:githubOidc, or a pod with Workload Identity.",
  configSchema: { properties: {} },
  validateResource: (0, import_policy.validateResourceOfType)(gcp.serviceaccount.Key, (key, _args, report) => {
    report(`a key for ${key.serviceAccountId} is a long-lived credential that can leak and never expires`);
  })
};
var GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
var REPOSITORY_PIN = /^\(*\s*assertion\.repository(_id)?\s*==\s*(['"])[^'"]+\2\s*\)*$/;
function topLevelConjuncts(condition) {
  const terms = [];
  let depth = 0;
  let quote = null;
  let start = 0;
  for (let i = 0; i < condition.length; i++) {
    const c = condition[i];
    if (quote) {
      if (c === quote && condition[i - 1] !== "\\") quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && condition.startsWith("||", i)) return null;
    else if (depth === 0 && condition.startsWith("&&", i)) {
      terms.push(condition.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  terms.push(condition.slice(start).trim());
  return terms;
}
function pinsRepository(condition) {
  const terms = topLevelConjuncts(condition);
  return terms?.some((t) => REPOSITORY_PIN.test(t)) ?? false;
}
var githubOidcPinsRepository = {
  name: "github-oidc-pins-repository",
  description: "A Workload Identity provider trusting GitHub's OIDC issuer pins the repository in its attribute condition: otherwise any repository on GitHub may take its roles.",
  severity: "critical",
  tags: ["access"],
  remediationSteps: 'Set attributeCondition to assertion.repository_id == "ID" (garde:githubOidc.repositoryId; names can be reused, ids cannot).',
  configSchema: { properties: {} },
  validateResource: (0, import_policy.validateResourceOfType)(gcp.iam.WorkloadIdentityPoolProvider, (provider, args, report) => {
    if (provider.oidc?.issuerUri !== GITHUB_ISSUER) args.notApplicable("not a GitHub OIDC provider");
    const condition = provider.attributeCondition ?? "";
    if (!pinsRepository(condition))
      report(
        condition ? `GitHub OIDC provider ${provider.workloadIdentityPoolProviderId} does not pin a repository: ${condition}` : `GitHub OIDC provider ${provider.workloadIdentityPoolProviderId} has no attribute condition: every GitHub repository may use it`
      );
  })
};
var ACCESS_POLICIES = [noServiceAccountKeys, githubOidcPinsRepository];

// policies/alerting.ts
var gcp2 = __toESM(require("@pulumi/gcp"), 1);
var import_policy2 = require("@pulumi/policy");

// policies/props.ts
var DAY = 86400;
function at(value, path) {
  let v = value;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object") return void 0;
    v = v[key];
  }
  return v;
}
function settingsOf(schema, given) {
  const defaults = Object.fromEntries(
    Object.entries(schema.properties).flatMap(
      ([k, p]) => p.default === void 0 ? [] : [[k, p.default]]
    )
  );
  return { ...defaults, ...given };
}
var lastSegment = (ref) => String(ref ?? "").split("/").pop() ?? "";
var durationSeconds = (v) => Number(String(v ?? "").replace(/s$/, ""));

// policies/alerting.ts
var ALERT = "gcp:monitoring/alertPolicy:AlertPolicy";
var UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig";
function severityOf(policy) {
  const label2 = policy.userLabels?.severity;
  if (label2) return label2.toUpperCase();
  return { CRITICAL: "P1", ERROR: "P2", WARNING: "P3" }[policy.severity ?? ""] ?? "unset";
}
function publicHosts(resources) {
  const hosts = [];
  for (const r of resources) {
    if (r.type === "vercel:index/projectDomain:ProjectDomain" && !r.props.redirect && !r.props.gitBranch)
      hosts.push({ host: String(r.props.domain), resource: r });
    if (r.type === "kubernetes:networking.k8s.io/v1:Ingress") {
      for (const rule of at(r.props, "spec.rules") ?? [])
        if (rule.host) hosts.push({ host: rule.host, resource: r });
    }
  }
  return hosts;
}
var prodUptimeChecks = {
  name: "prod-uptime-check",
  description: "Every public production host has an uptime check: the site being down is seen from outside first.",
  severity: "high",
  tags: ["alerting", "production"],
  remediationSteps: "List the host's health paths in garde:alerts.uptimePaths: [/healthz] for every host, or per host ({ api.example.com: [/healthz] }).",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const checked = new Set(
      args.resources.filter((r) => r.type === UPTIME).map((u) => at(u.props, "monitoredResource.labels.host"))
    );
    for (const { host, resource } of publicHosts(args.resources))
      if (!checked.has(host)) report(`${host} is public and no uptime check watches it`, resource.urn);
  }
};
var prodP1Alert = {
  name: "prod-p1-alert",
  description: "A production stack has at least one P1 alert with a notification channel: someone is woken when it breaks.",
  severity: "critical",
  tags: ["alerting", "production"],
  remediationSteps: "Configure garde:alerts with channels (sms, pagerduty or slack for P1): the catalogue's availability and error-rate alerts are P1.",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const alerts = args.resources.filter((r) => r.type === ALERT);
    const p1 = alerts.filter((a) => severityOf(a.props) === "P1");
    if (!p1.length) report(`no P1 alert among ${alerts.length} alert policies: nothing pages anyone`);
    else if (!p1.some((a) => (a.props.notificationChannels ?? []).length))
      report(`${p1.length} P1 alert(s) and none has a notification channel: they page nobody`);
  }
};
var alertRouted = {
  name: "alert-routed",
  description: "Every alert policy, whatever its severity, notifies at least one channel.",
  severity: "medium",
  tags: ["alerting"],
  remediationSteps: "Add a channel that routes this severity in garde:alerts.channels (P1 \u2192 sms/pagerduty/slack, P2 \u2192 slack, P3/P4 \u2192 email).",
  configSchema: { properties: {} },
  validateResource: (0, import_policy2.validateResourceOfType)(gcp2.monitoring.AlertPolicy, (alert, _args, report) => {
    if (!alert.notificationChannels?.length)
      report(
        `${severityOf(alert)} alert "${alert.displayName}" has no notification channel: it fires and nobody hears`
      );
  })
};
var ALERTING_POLICIES = [prodUptimeChecks, prodP1Alert, alertRouted];

// policies/buckets.ts
var gcp3 = __toESM(require("@pulumi/gcp"), 1);
var import_policy3 = require("@pulumi/policy");
var backupBucketSchema = {
  properties: {
    namePattern: {
      type: "string",
      default: "backup",
      description: "A bucket whose name matches this regular expression holds backups (as does label purpose=backups)"
    }
  }
};
function isBackupBucket(bucket, given) {
  const { namePattern } = settingsOf(backupBucketSchema, given);
  return bucket.labels?.purpose === "backups" || new RegExp(namePattern).test(bucket.name ?? "");
}
var backupBucketVersioning = {
  name: "backup-bucket-versioning",
  description: "A backup bucket keeps object versions, so an overwritten or deleted dump can be restored.",
  severity: "high",
  tags: ["backups"],
  remediationSteps: "Set versioning: { enabled: true } on the bucket (and no retentionPolicy: GCS refuses both).",
  configSchema: backupBucketSchema,
  validateResource: (0, import_policy3.validateResourceOfType)(gcp3.storage.Bucket, (bucket, args, report) => {
    if (!isBackupBucket(bucket, args.getConfig())) args.notApplicable("not a backup bucket");
    if (bucket.versioning?.enabled !== true)
      report(`backup bucket ${bucket.name} does not keep versions: one delete loses the dump for good`);
  })
};
var retentionSchema = {
  properties: {
    ...backupBucketSchema.properties,
    minimumRetentionDays: {
      type: "integer",
      minimum: 1,
      default: 30,
      description: "The least number of days a backup is kept (garde sets it per stack: prod 30, staging 7, dev 3)"
    }
  }
};
var backupBucketRetention = {
  name: "backup-bucket-retention",
  description: "A backup bucket keeps each backup at least the stack's minimum retention (prod: 30 days).",
  severity: "high",
  tags: ["backups"],
  remediationSteps: "Raise the age of the bucket's Delete lifecycle rule (garde:backups.retentionDays) to at least the minimum.",
  configSchema: retentionSchema,
  validateResource: (0, import_policy3.validateResourceOfType)(gcp3.storage.Bucket, (bucket, args, report) => {
    if (!isBackupBucket(bucket, args.getConfig())) args.notApplicable("not a backup bucket");
    const { minimumRetentionDays } = settingsOf(
      retentionSchema,
      args.getConfig()
    );
    for (const rule of bucket.lifecycleRules ?? []) {
      const age = rule.condition?.age;
      if (rule.action?.type !== "Delete" || age === void 0 || rule.condition?.withState === "ARCHIVED")
        continue;
      if (age < minimumRetentionDays)
        report(
          `backup bucket ${bucket.name} deletes backups after ${age} days; this stack keeps them at least ${minimumRetentionDays}`
        );
    }
  })
};
var bucketPublicAccessPrevention = {
  name: "bucket-public-access-prevention",
  description: "Every bucket enforces public access prevention: no grant can ever make its objects public.",
  severity: "critical",
  tags: ["backups", "access"],
  remediationSteps: 'Set publicAccessPrevention: "enforced" on the bucket.',
  configSchema: { properties: {} },
  validateResource: (0, import_policy3.validateResourceOfType)(gcp3.storage.Bucket, (bucket, _args, report) => {
    if (bucket.publicAccessPrevention !== "enforced")
      report(
        `bucket ${bucket.name} does not enforce public access prevention (${bucket.publicAccessPrevention ?? "inherited"})`
      );
  })
};
var bucketUniformAccess = {
  name: "bucket-uniform-access",
  description: "Every bucket uses uniform bucket-level access: IAM alone decides who reads, no per-object ACLs.",
  severity: "high",
  tags: ["backups", "access"],
  remediationSteps: "Set uniformBucketLevelAccess: true on the bucket.",
  configSchema: { properties: {} },
  validateResource: (0, import_policy3.validateResourceOfType)(gcp3.storage.Bucket, (bucket, _args, report) => {
    if (bucket.uniformBucketLevelAccess !== true)
      report(`bucket ${bucket.name} allows per-object ACLs: an object can be shared behind IAM's back`);
  })
};
var PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];
var bucketNoPublicGrant = {
  name: "bucket-no-public-grant",
  description: "No bucket grants a role to allUsers or allAuthenticatedUsers.",
  severity: "critical",
  tags: ["backups", "access"],
  remediationSteps: "Remove the grant; give the role to the service account or group that needs it.",
  configSchema: { properties: {} },
  validateResource: [
    (0, import_policy3.validateResourceOfType)(gcp3.storage.BucketIAMMember, (grant, _args, report) => {
      if (PUBLIC_MEMBERS.includes(grant.member))
        report(`bucket ${grant.bucket} grants ${grant.role} to ${grant.member}: anyone may use it`);
    }),
    (0, import_policy3.validateResourceOfType)(gcp3.storage.BucketIAMBinding, (grant, _args, report) => {
      for (const member of grant.members.filter((m) => PUBLIC_MEMBERS.includes(m)))
        report(`bucket ${grant.bucket} grants ${grant.role} to ${member}: anyone may use it`);
    })
  ]
};
var BUCKET_POLICIES = [
  backupBucketVersioning,
  backupBucketRetention,
  bucketPublicAccessPrevention,
  bucketUniformAccess,
  bucketNoPublicGrant
];

// policies/datastores.ts
var gcp4 = __toESM(require("@pulumi/gcp"), 1);
var import_policy4 = require("@pulumi/policy");

// policies/workloads.ts
var POD_SPEC_PATHS = {
  "kubernetes:core/v1:Pod": "spec",
  "kubernetes:apps/v1:Deployment": "spec.template.spec",
  "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
  "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
  "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
  "kubernetes:batch/v1:Job": "spec.template.spec",
  "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec"
};
var SERVING_KINDS = /* @__PURE__ */ new Set([
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet"
]);
var isPodWorkload = (type) => type in POD_SPEC_PATHS;
function podSpecOf(type, props) {
  const path = POD_SPEC_PATHS[type];
  return path ? at(props, path) : void 0;
}
var allContainers = (spec) => [
  ...spec?.initContainers ?? [],
  ...spec?.containers ?? []
];
function containersOf(type, props) {
  if (type === "gcp:cloudrunv2/job:Job")
    return at(props, "template.template.containers") ?? [];
  if (type === "gcp:cloudrunv2/service:Service")
    return at(props, "template.containers") ?? [];
  return allContainers(podSpecOf(type, props));
}
function imageReference(image) {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return { digest: true };
  return { digest: false, tag: /:([\w.-]+)$/.exec(image.split("/").pop() ?? "")?.[1] };
}
function gardeJobsOf(container) {
  const line = [...container.command ?? [], ...container.args ?? []].join(" ");
  const jobs = [];
  for (const m of line.matchAll(/(?:^|[\s;&|])(backup|drill)\s[^;&|]*?--store\s+(\S+)/g))
    jobs.push({ kind: m[1], store: m[2].replace(/\/+$/, "") });
  return jobs;
}

// policies/datastores.ts
var SQL = "gcp:sql/databaseInstance:DatabaseInstance";
var FIRESTORE_DB = "gcp:firestore/database:Database";
var FIRESTORE_SCHEDULE = "gcp:firestore/backupSchedule:BackupSchedule";
var VERCEL_ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable";
function gardeJobs(resources) {
  return resources.flatMap(
    (resource) => containersOf(resource.type, resource.props).flatMap(
      (c) => gardeJobsOf(c).map((job) => ({ ...job, resource }))
    )
  );
}
function firestoreDatabases(resources) {
  const found = /* @__PURE__ */ new Map();
  for (const r of resources) {
    if (r.type === FIRESTORE_DB) found.set(String(r.props.name ?? "(default)"), r);
    if (r.type === FIRESTORE_SCHEDULE && !found.has(String(r.props.database ?? "(default)")))
      found.set(String(r.props.database ?? "(default)"), r);
  }
  return found;
}
var urlSchema = {
  properties: {
    databaseUrlPattern: {
      type: "string",
      default: "^(DATABASE_URL|POSTGRES(QL)?_URL|PG_URL|[A-Z0-9_]*_DB_URL)$",
      description: "Environment variable names that hand the app a PostgreSQL connection string"
    }
  }
};
function databaseUrlVariables(resources, pattern) {
  const names = /* @__PURE__ */ new Set();
  for (const r of resources) {
    if (r.type === VERCEL_ENV && pattern.test(String(r.props.key))) names.add(String(r.props.key));
    for (const c of containersOf(r.type, r.props))
      if (!gardeJobsOf(c).length) {
        for (const e of c.env ?? []) if (pattern.test(e.name)) names.add(e.name);
      }
  }
  return [...names].sort();
}
var prodDatastoreBackups = {
  name: "prod-datastore-backups",
  description: "Every production datastore is backed up on a schedule: Cloud SQL automated backups, a Firestore backup schedule, garde backup for a PostgreSQL database the app reaches by URL.",
  severity: "critical",
  tags: ["backups", "production"],
  remediationSteps: "Add garde:backups to the stack: cloudSql, firestore, or postgres (garde backup on the seeds' 00:30) for the database the app uses.",
  configSchema: urlSchema,
  validateStack: (args, report) => {
    const { databaseUrlPattern } = settingsOf(urlSchema, args.getConfig());
    for (const sql2 of args.resources.filter((r) => r.type === SQL))
      if (at(sql2.props, "settings.backupConfiguration.enabled") !== true)
        report(`Cloud SQL instance ${sql2.props.name} has automated backups off`, sql2.urn);
    const scheduled = new Set(
      args.resources.filter((r) => r.type === FIRESTORE_SCHEDULE).map((r) => String(r.props.database))
    );
    for (const [id, db] of firestoreDatabases(args.resources))
      if (!scheduled.has(id)) report(`Firestore database ${id} has no backup schedule`, db.urn);
    const urls = databaseUrlVariables(args.resources, new RegExp(databaseUrlPattern));
    if (urls.length && !gardeJobs(args.resources).some((j) => j.kind === "backup"))
      report(
        `the app reads a PostgreSQL database (${urls.join(", ")}) and no job runs garde backup: nothing dumps it`
      );
  }
};
var prodDatastoreRestoreDrill = {
  name: "prod-datastore-restore-drill",
  description: "Every production backup is proven by a scheduled restore drill: a backup never restored is a hope, not a backup.",
  severity: "high",
  tags: ["backups", "production"],
  remediationSteps: "Add garde:backups.drill (a server the drill may create scratch databases on): garde drill restores each dump and checks it. For a datastore garde cannot restore, override this policy in garde:policies with the reason and how it is drilled.",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const jobs = gardeJobs(args.resources);
    const drilled = new Set(jobs.filter((j) => j.kind === "drill").map((j) => j.store));
    for (const backup of jobs.filter((j) => j.kind === "backup"))
      if (!drilled.has(backup.store))
        report(
          `the dumps garde backup writes to ${backup.store} are never restored: no garde drill reads that store`,
          backup.resource.urn
        );
    for (const sql2 of args.resources.filter((r) => r.type === SQL))
      report(
        String(sql2.props.databaseVersion).startsWith("POSTGRES") ? `Cloud SQL instance ${sql2.props.name} has no restore drill: dump it with garde:backups.postgres (via scheduler) and drill those dumps` : `Cloud SQL instance ${sql2.props.name} has no restore drill: garde drills PostgreSQL dumps, not ${sql2.props.databaseVersion}`,
        sql2.urn
      );
    for (const [id, db] of firestoreDatabases(args.resources))
      report(
        `Firestore database ${id} has no restore drill: garde cannot restore Firestore backups yet`,
        db.urn
      );
  }
};
var cloudSqlBackupsAndRecovery = {
  name: "cloudsql-backups-pitr",
  description: "Cloud SQL keeps automated backups and point-in-time recovery (WAL for PostgreSQL, binary logs for MySQL).",
  severity: "high",
  tags: ["backups"],
  remediationSteps: "Set settings.backupConfiguration.enabled and pointInTimeRecoveryEnabled (PostgreSQL) or binaryLogEnabled (MySQL): garde:backups.cloudSql.pointInTimeRecovery.",
  configSchema: { properties: {} },
  validateResource: (0, import_policy4.validateResourceOfType)(gcp4.sql.DatabaseInstance, (instance, _args, report) => {
    const backups = instance.settings?.backupConfiguration;
    if (backups?.enabled !== true) report(`Cloud SQL instance ${instance.name} has automated backups off`);
    const postgres = instance.databaseVersion.startsWith("POSTGRES");
    const recovery = postgres ? backups?.pointInTimeRecoveryEnabled : backups?.binaryLogEnabled;
    if (recovery !== true)
      report(
        `Cloud SQL instance ${instance.name} cannot recover to a point in time: ${postgres ? "pointInTimeRecoveryEnabled" : "binaryLogEnabled"} is off`
      );
  })
};
var prodDeletionProtection = {
  name: "prod-deletion-protection",
  description: "Production datastores refuse deletion: Pulumi's protect option, and the provider's own deletion protection where it has one.",
  severity: "critical",
  tags: ["backups", "production"],
  remediationSteps: "Declare the resource with { protect: true } and turn on its deletion protection (Cloud SQL deletionProtection and settings.deletionProtectionEnabled; Firestore deleteProtectionState; no forceDestroy on buckets).",
  configSchema: backupBucketSchema,
  validateResource: [
    (0, import_policy4.validateResourceOfType)(gcp4.sql.DatabaseInstance, (instance, args, report) => {
      if (!args.opts.protect)
        report(`Cloud SQL instance ${instance.name} is not protected: pulumi destroy deletes it`);
      if (instance.deletionProtection === false || instance.settings?.deletionProtectionEnabled !== true)
        report(
          `Cloud SQL instance ${instance.name} can be deleted from the console or API: deletion protection is off`
        );
    }),
    (0, import_policy4.validateResourceOfType)(gcp4.firestore.Database, (db, args, report) => {
      if (!args.opts.protect)
        report(`Firestore database ${db.name} is not protected: pulumi destroy deletes it`);
      if (db.deleteProtectionState !== "DELETE_PROTECTION_ENABLED")
        report(
          `Firestore database ${db.name} can be deleted: deleteProtectionState is not DELETE_PROTECTION_ENABLED`
        );
    }),
    (0, import_policy4.validateResourceOfType)(gcp4.storage.Bucket, (bucket, args, report) => {
      if (!isBackupBucket(bucket, args.getConfig())) args.notApplicable("not a backup bucket");
      if (!args.opts.protect)
        report(`backup bucket ${bucket.name} is not protected: pulumi destroy deletes it`);
      if (bucket.forceDestroy === true)
        report(`backup bucket ${bucket.name} has forceDestroy: deleting it deletes every backup in it`);
    })
  ]
};
var DATASTORE_POLICIES = [
  prodDatastoreBackups,
  prodDatastoreRestoreDrill,
  cloudSqlBackupsAndRecovery,
  prodDeletionProtection
];

// policies/exemptions.ts
var EXEMPT = "exemptResources";
var exemptOf = (given) => given[EXEMPT] ?? [];
var nameInUrn = (urn) => urn.slice(urn.lastIndexOf("::") + 2);
function exemptable(validate) {
  const checked = (args, report) => {
    if (exemptOf(args.getConfig()).includes(args.name)) args.notApplicable("exempt in this stack");
    return validate(args, report);
  };
  return Object.assign(checked, { __pulumiType: validate.__pulumiType });
}
function withExemptions(policy) {
  const configSchema = {
    ...policy.configSchema,
    properties: {
      ...policy.configSchema?.properties,
      [EXEMPT]: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Resource names this policy does not apply to in this stack (garde:policies.overrides)"
      }
    }
  };
  const wrapped = { ...policy, configSchema };
  const validations = policy.validateResource;
  if (Array.isArray(validations))
    wrapped.validateResource = validations.map(exemptable);
  else if (validations) wrapped.validateResource = exemptable(validations);
  const validateStack = policy.validateStack;
  if (validateStack)
    wrapped.validateStack = (args, report) => {
      const exempt = exemptOf(args.getConfig());
      const filtered = (message, urn) => {
        if (!urn || !exempt.includes(nameInUrn(urn))) report(message, urn);
      };
      return validateStack(args, filtered);
    };
  return wrapped;
}

// policies/kubernetes.ts
var forWorkloads = (check, kinds) => (args, report) => {
  if (!isPodWorkload(args.type) || kinds && !kinds.has(args.type))
    args.notApplicable("not a workload that runs pods");
  const spec = podSpecOf(args.type, args.props);
  if (spec) check(spec, args, report);
};
var kindOf = (type) => type.split(":").pop() ?? type;
var label = (args, c) => `${kindOf(args.type)} ${at(args.props, "metadata.name") ?? args.name}, container ${c.name ?? "?"}`;
var imageSchema = {
  properties: {
    forbiddenTags: {
      type: "array",
      items: { type: "string" },
      default: ["latest"],
      description: "Tags that move under a running workload"
    }
  }
};
var imagesPinned = {
  name: "k8s-image-tagged",
  description: "Every container image names a tag other than latest, or a digest: what runs is what was reviewed.",
  severity: "high",
  tags: ["kubernetes"],
  remediationSteps: "Use a version tag (api:1.4.2), a git SHA or a digest (@sha256:\u2026) in garde:kubernetes.image.",
  configSchema: imageSchema,
  validateResource: forWorkloads((spec, args, report) => {
    const { forbiddenTags } = settingsOf(imageSchema, args.getConfig());
    for (const c of allContainers(spec)) {
      const { digest, tag } = imageReference(c.image ?? "");
      if (digest) continue;
      if (!tag) report(`${label(args, c)}: image ${c.image} has no tag, so it runs whatever latest is`);
      else if (forbiddenTags.includes(tag))
        report(`${label(args, c)}: image ${c.image} uses the moving tag ${tag}`);
    }
  })
};
var resourcesSchema = {
  properties: {
    requireCpuLimit: {
      type: "boolean",
      default: false,
      description: "Also require a CPU limit (off by default: a CPU limit throttles a pod with idle cores beside it; the request is what schedules it)"
    }
  }
};
var resourcesSet = {
  name: "k8s-resources",
  description: "Every container requests CPU and memory and has a memory limit: the scheduler places it, and a leak kills it rather than the node.",
  severity: "medium",
  tags: ["kubernetes"],
  remediationSteps: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory (garde:kubernetes.cpu and memory).",
  configSchema: resourcesSchema,
  validateResource: forWorkloads((spec, args, report) => {
    const { requireCpuLimit } = settingsOf(resourcesSchema, args.getConfig());
    for (const c of allContainers(spec)) {
      const missing = [
        ...c.resources?.requests?.cpu ? [] : ["requests.cpu"],
        ...c.resources?.requests?.memory ? [] : ["requests.memory"],
        ...c.resources?.limits?.memory ? [] : ["limits.memory"],
        ...requireCpuLimit && !c.resources?.limits?.cpu ? ["limits.cpu"] : []
      ];
      if (missing.length) report(`${label(args, c)}: no ${missing.join(", ")}`);
    }
  })
};
var probesSet = {
  name: "k8s-probes",
  description: "Every serving container (Deployment, StatefulSet, DaemonSet) has a readiness and a liveness probe.",
  severity: "medium",
  tags: ["kubernetes"],
  remediationSteps: "Add readinessProbe and livenessProbe (garde's app probes /healthz on its port).",
  configSchema: { properties: {} },
  validateResource: forWorkloads((spec, args, report) => {
    for (const c of spec.containers ?? []) {
      const missing = [...c.readinessProbe ? [] : ["readiness"], ...c.livenessProbe ? [] : ["liveness"]];
      if (missing.length)
        report(
          `${label(args, c)}: no ${missing.join(" or ")} probe: traffic reaches it before it is ready, or a hung process is never restarted`
        );
    }
  }, SERVING_KINDS)
};
var runAsNonRoot = {
  name: "k8s-run-as-non-root",
  description: "Every container runs as a non-root user (runAsNonRoot on the pod or the container).",
  severity: "high",
  tags: ["kubernetes"],
  remediationSteps: "Set securityContext.runAsNonRoot: true on the pod (and a numeric USER in the image).",
  configSchema: { properties: {} },
  validateResource: forWorkloads((spec, args, report) => {
    for (const c of allContainers(spec)) {
      const nonRoot = c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
      const user = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
      if (nonRoot !== true || user === 0) report(`${label(args, c)}: may run as root`);
    }
  })
};
var notPrivileged = {
  name: "k8s-no-privileged",
  description: "No container runs privileged: a privileged container is root on the node.",
  severity: "critical",
  tags: ["kubernetes"],
  remediationSteps: "Remove securityContext.privileged; grant the one capability needed instead.",
  configSchema: { properties: {} },
  validateResource: forWorkloads((spec, args, report) => {
    for (const c of allContainers(spec))
      if (c.securityContext?.privileged === true) report(`${label(args, c)}: runs privileged`);
  })
};
var noHostPath = {
  name: "k8s-no-host-path",
  description: "No pod mounts a hostPath volume: the node's files are not the app's to read or write.",
  severity: "high",
  tags: ["kubernetes"],
  remediationSteps: "Use an emptyDir, a ConfigMap, a Secret or a PersistentVolumeClaim instead.",
  configSchema: { properties: {} },
  validateResource: forWorkloads((spec, args, report) => {
    for (const v of spec.volumes ?? [])
      if (v.hostPath)
        report(
          `${kindOf(args.type)} ${at(args.props, "metadata.name") ?? args.name}: volume ${v.name} mounts the node's ${at(v, "hostPath.path")}`
        );
  })
};
var DEPLOYMENT = "kubernetes:apps/v1:Deployment";
var PDB = "kubernetes:policy/v1:PodDisruptionBudget";
var namespaceOf = (props) => String(at(props, "metadata.namespace") ?? "default");
var disruptionBudget = {
  name: "k8s-disruption-budget",
  description: "A Deployment with more than one replica has a PodDisruptionBudget: a node drain never takes all its pods at once.",
  severity: "medium",
  tags: ["kubernetes"],
  remediationSteps: "Add a policy/v1 PodDisruptionBudget in the same namespace selecting the Deployment's pods (maxUnavailable: 1).",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const budgets = args.resources.filter((r) => r.type === PDB);
    for (const d of args.resources.filter((r) => r.type === DEPLOYMENT)) {
      if (Number(at(d.props, "spec.replicas") ?? 1) <= 1) continue;
      const podLabels = at(d.props, "spec.template.metadata.labels") ?? {};
      const covered = budgets.some((b) => {
        const match = at(b.props, "spec.selector.matchLabels") ?? {};
        return namespaceOf(b.props) === namespaceOf(d.props) && Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => podLabels[k] === v);
      });
      if (!covered)
        report(
          `Deployment ${at(d.props, "metadata.name")} runs ${at(d.props, "spec.replicas")} replicas and no PodDisruptionBudget selects its pods`,
          d.urn
        );
    }
  }
};
var KUBERNETES_POLICIES = [
  imagesPinned,
  resourcesSet,
  probesSet,
  runAsNonRoot,
  notPrivileged,
  noHostPath,
  disruptionBudget
];

// policies/secrets.ts
var gcp5 = __toESM(require("@pulumi/gcp"), 1);
var import_policy5 = require("@pulumi/policy");
var sensitiveSchema = {
  properties: {
    secretNamePattern: {
      type: "string",
      default: "(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?|PRIVATE|DSN|DATABASE_URL|_DB_URL)",
      description: "Variable names that hold a secret (matched anywhere in the name)"
    },
    publicPrefixes: {
      type: "array",
      items: { type: "string" },
      default: ["NEXT_PUBLIC_", "VITE_", "PUBLIC_", "REACT_APP_", "NUXT_PUBLIC_", "EXPO_PUBLIC_"],
      description: "Prefixes of variables the framework ships to the browser: public by design"
    }
  }
};
var vercelSecretsSensitive = {
  name: "vercel-secret-env-sensitive",
  description: "A Vercel environment variable whose name says it holds a secret (KEY, SECRET, TOKEN, PASSWORD, DSN, DATABASE_URL, \u2026) is sensitive: readable by builds, never by people in the dashboard or API.",
  severity: "critical",
  tags: ["secrets"],
  remediationSteps: "Give the value as a garde-secrets key (garde:vercel.env[].secret) so garde marks it sensitive, or set sensitive: true; Vercel refuses sensitive variables for the development target, so target preview instead.",
  configSchema: sensitiveSchema,
  validateResource: (args, report) => {
    const variables = vercelVariablesOf(args.type, args.props);
    if (!variables) args.notApplicable("not a Vercel variable");
    const { secretNamePattern, publicPrefixes } = settingsOf(sensitiveSchema, args.getConfig());
    const secret = new RegExp(secretNamePattern);
    const looksSecret = (key) => !publicPrefixes.some((p) => key.startsWith(p)) && secret.test(key);
    const checked = (variables ?? []).filter((v) => typeof v.key === "string" && looksSecret(v.key));
    if (!checked.length) args.notApplicable("not a secret by its name");
    for (const v of checked)
      if (v.sensitive !== true)
        report(
          `Vercel variable ${v.key} looks secret but is not sensitive: anyone on the team can read its value`
        );
  }
};
function vercelVariablesOf(type, props) {
  switch (type) {
    case "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable":
    case "vercel:index/sharedEnvironmentVariable:SharedEnvironmentVariable":
      return [props];
    case "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables":
      return Array.isArray(props.variables) ? props.variables : [];
    case "vercel:index/project:Project":
      return Array.isArray(props.environments) ? props.environments : [];
    default:
      return null;
  }
}
var rotationSchema = {
  properties: {
    maximumRotationDays: {
      type: "integer",
      minimum: 1,
      default: 90,
      description: "The longest a Secret Manager secret may go between rotations"
    }
  }
};
var secretRotationPeriod = {
  name: "secret-rotation-period",
  description: "Every Secret Manager secret rotates, at least every 90 days in production.",
  severity: "high",
  tags: ["secrets"],
  remediationSteps: "Set garde:secrets.items[].rotationDays to 90 or less (the secret's rotation.rotationPeriod).",
  configSchema: rotationSchema,
  validateResource: (0, import_policy5.validateResourceOfType)(gcp5.secretmanager.Secret, (secret, args, report) => {
    const { maximumRotationDays } = settingsOf(
      rotationSchema,
      args.getConfig()
    );
    if (isRotationAuditTrail(secret)) return;
    const period = secret.rotation?.rotationPeriod;
    if (!period) {
      report(`secret ${secret.secretId} never rotates: a leaked value stays valid for ever`);
      return;
    }
    const days = durationSeconds(period) / DAY;
    if (days > maximumRotationDays)
      report(
        `secret ${secret.secretId} rotates every ${Math.round(days)} days; at most ${maximumRotationDays}`
      );
  })
};
function isRotationAuditTrail(secret) {
  return /^[a-z0-9-]+-garde-rotation-audit$/.test(secret.secretId ?? "") && secret.labels?.["managed-by"] === "garde";
}
var TOPIC_MEMBER = "gcp:pubsub/topicIAMMember:TopicIAMMember";
var TOPIC_BINDING = "gcp:pubsub/topicIAMBinding:TopicIAMBinding";
var SECRET = "gcp:secretmanager/secret:Secret";
var secretRotationPublished = {
  name: "secret-rotation-published",
  description: "A rotating secret publishes its rotation events to a Pub/Sub topic the Secret Manager service agent may publish to: otherwise the rotation is due and nobody hears it.",
  severity: "high",
  tags: ["secrets"],
  remediationSteps: "Give the secret topics, and grant roles/pubsub.publisher on each to serviceAccount:service-PROJECT_NUMBER@gcp-sa-secretmanager.iam.gserviceaccount.com (garde's SecretSet does both).",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const publishers = /* @__PURE__ */ new Set();
    for (const r of args.resources) {
      if (r.props.role !== "roles/pubsub.publisher") continue;
      const members = r.type === TOPIC_MEMBER ? [r.props.member] : r.type === TOPIC_BINDING ? r.props.members : [];
      if (members.some((m) => /@gcp-sa-secretmanager\.iam\.gserviceaccount\.com$/.test(String(m))))
        publishers.add(lastSegment(r.props.topic));
    }
    for (const secret of args.resources.filter((r) => r.type === SECRET)) {
      if (!secret.props.rotation) continue;
      const topics = (secret.props.topics ?? []).map(
        (t) => lastSegment(t.name)
      );
      if (!topics.length) {
        report(
          `secret ${secret.props.secretId} rotates but names no topic: Secret Manager refuses it`,
          secret.urn
        );
        continue;
      }
      for (const topic of topics)
        if (!publishers.has(topic))
          report(
            `secret ${secret.props.secretId} publishes its rotation to ${topic}, which the Secret Manager service agent may not publish to`,
            secret.urn
          );
    }
  }
};
var SECRET_POLICIES = [vercelSecretsSensitive, secretRotationPeriod, secretRotationPublished];

// policies/all.ts
var POLICIES = [
  ...BUCKET_POLICIES,
  ...DATASTORE_POLICIES,
  ...SECRET_POLICIES,
  ...ALERTING_POLICIES,
  ...KUBERNETES_POLICIES,
  ...ACCESS_POLICIES
].map(withExemptions);
var POLICY_NAMES = POLICIES.map((p) => p.name);
var PRODUCTION_ONLY = new Set(
  POLICIES.filter((p) => p.tags?.includes("production")).map((p) => p.name)
);

// policies/pack.ts
new import_policy6.PolicyPack("garde", {
  policies: POLICIES,
  // Without a per-stack config every policy blocks: a pack that fails closed. garde plan
  // --policy-pack-config gives each stack its levels (advisory outside prod).
  enforcementLevel: "mandatory",
  description: "garde's guardrails: backups proven, secrets sensitive and rotated, alerts routed, workloads hardened, OIDC only.",
  displayName: "garde",
  provider: "gcp",
  tags: ["gcp", "kubernetes", "vercel", "backups", "secrets"]
});
