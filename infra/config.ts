import * as z from "zod";
import { drillChecksSchema } from "../actions/lib/backup/checks.ts";
import { InputError } from "../actions/lib/errors.ts";
import { strictObject } from "../actions/lib/zod-strict.ts";
import { POLICY_NAMES } from "../policies/all.ts";
import { imageReference } from "../policies/workloads.ts";
import {
  ALERT_CATALOGUE,
  ALERT_IDS,
  ENVIRONMENTS,
  metricSources,
  NEEDS_EXPLAINED,
  publicHosts,
} from "./alert-catalogue.ts";
import { API_LIMITS } from "./api-limits.ts";

/**
 * The typed stack config: what each environment gets. Read from Pulumi config (namespace
 * `garde`), validated here, passed down as typed args; components never read config.
 * Secret values never live here: they are `secure:` keys of the `garde-secrets` namespace.
 */

export const SEVERITY = z.enum(["P1", "P2", "P3", "P4"]);

const cron = z
  .string()
  .regex(/^(\S+\s+){4}\S+$/, { error: 'must be a cron expression with 5 fields, e.g. "30 0 * * *"' });
const envName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, { error: "must be an environment variable name such as DATABASE_URL" });
const gcpRegion = z
  .string()
  .regex(/^[a-z]+-[a-z]+\d$/, { error: "must be a GCP region such as europe-west1" });
const gcpLocation = z.string().regex(/^([a-z]+-[a-z]+\d|EU|US|ASIA|EUR4|NAM4)$/, {
  error: "must be a GCP region (europe-west1) or multi-region (EU, US, ASIA)",
});

/** A numeric id as a string; missing or malformed, the same message says where to find it. */
const numericId = (error: string) => z.string({ error }).regex(/^\d+$/, { error });

const vercel = strictObject({
  project: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
      error: "must be a Vercel project name (lowercase, digits, . _ -)",
    })
    .meta({
      description: "The app's one Vercel project, the same in every stack (environments are its targets)",
    }),
  createProject: z.boolean().optional().meta({
    description: "Whether this stack owns the project; default: the prod stack does, the others look it up",
  }),
  teamId: z.string().optional(),
  framework: z.string().optional(),
  gitRepository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: "must be owner/name" }),
  domain: z.string().optional().meta({ description: "Production domain" }),
  stagingDomain: z.string().optional(),
  stagingBranch: z
    .string()
    .default("develop")
    .meta({ description: "The branch the staging domain follows (a branch domain, not a production one)" }),
  env: z
    .array(
      strictObject({
        key: envName,
        targets: z.array(z.enum(["production", "preview", "development"])).min(1),
        value: z.string().optional().meta({ description: "A plain, non-secret value" }),
        secret: envName.optional().meta({ description: "Name of a garde-secrets:NAME secure config key" }),
        rotated: z.string().optional().meta({
          description: "Name of a garde:secrets item: rotate-keys owns the value, Pulumi does not set it",
        }),
      })
        .refine((e) => [e.value, e.secret, e.rotated].filter((v) => v !== undefined).length === 1, {
          error:
            "give exactly one of value (plain), secret (the name of a garde-secrets key) or rotated (a garde:secrets item rotate-keys owns)",
        })
        .refine((e) => e.secret === undefined || !e.targets.includes("development"), {
          error:
            "a secret is a sensitive variable, and Vercel refuses sensitive variables for the development target: use preview",
          path: ["targets"],
        }),
    )
    .default([]),
});

const gcp = strictObject({
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: "must be a GCP project id" }),
  projectNumber: z.string().regex(/^\d+$/, { error: "must be the numeric GCP project number" }),
  region: gcpRegion,
});

const secrets = strictObject({
  rotationStart: z.iso.datetime({ error: "must be an ISO date-time such as 2026-12-01T00:30:00Z" }),
  items: z
    .array(
      strictObject({
        name: z
          .string()
          .regex(/^[a-z][a-z0-9-]{0,254}$/, { error: "must be a lowercase secret id (a-z, 0-9, -)" }),
        rotationDays: z.number().int().min(1).max(365),
        replication: z
          .union([z.literal("automatic"), strictObject({ regions: z.array(gcpRegion).min(1) })])
          .default("automatic"),
      }),
    )
    .min(1),
});

const channels = strictObject({
  slack: strictObject({ channel: z.string().startsWith("#", { error: 'must start with "#"' }) }).optional(),
  email: z.array(z.email({ error: "must be an email address" })).optional(),
  sms: z
    .array(z.string().regex(/^\+\d{8,15}$/, { error: "must be an E.164 phone number such as +33612345678" }))
    .optional(),
  pagerduty: z
    .boolean()
    .optional()
    .meta({ description: "Uses the garde-secrets:PAGERDUTY_SERVICE_KEY secret" }),
  webhook: z.url({ error: "must be a URL" }).optional(),
});

const alerts = strictObject({
  uptimePaths: z
    .union([
      z.array(z.string().startsWith("/")),
      z.record(z.string().min(1), z.array(z.string().startsWith("/"))),
    ])
    .default(["/healthz"])
    .meta({
      description:
        "Health paths the uptime checks request: a list for every public host, or per host ({ api.example.com: [/healthz], www.example.com: [/] }), so a host is checked only on paths it serves",
    }),
  uptimePeriodSeconds: z
    .union([z.literal(60), z.literal(300), z.literal(600), z.literal(900)], {
      error: "must be 60, 300, 600 or 900",
    })
    .default(60),
  policies: z
    .array(z.enum(ALERT_IDS, { error: `must be one of ${ALERT_IDS.join(", ")}` }))
    .optional()
    .meta({ description: "Catalogue ids to create; default: every one that applies" }),
  thresholds: z
    .partialRecord(z.enum(ALERT_IDS), z.number(), {
      // zod reports an unknown record key this way at run time; its types do not list the code.
      error: (iss) => {
        const issue = iss as { code: string; keys?: string[] };
        return issue.code === "unrecognized_keys"
          ? `unknown alert ${(issue.keys ?? []).map((k) => `"${k}"`).join(", ")}; must be one of ${ALERT_IDS.join(", ")}`
          : undefined;
      },
    })
    .default({}),
  channels,
});

const backups = strictObject({
  location: gcpLocation,
  secondaryLocation: gcpLocation,
  retentionDays: z.number().int().min(1).max(3650),
  coldAfterDays: z.number().int().min(1).default(30),
  postgres: strictObject({
    schedule: cron.default("30 0 * * *"),
    via: z
      .enum(["kubernetes", "scheduler"], {
        error:
          "must be kubernetes (a garde backup CronJob in the cluster) or scheduler (Cloud Scheduler → a Cloud Run job running garde backup)",
      })
      .default("kubernetes"),
    serverVersion: z
      .number({ error: "must be the database server's major version, e.g. 15 (pg_dump must be as new)" })
      .int()
      .min(12)
      .max(18),
    databaseUrlSecret: z.string().min(1).meta({
      description:
        "kubernetes: Kubernetes Secret name/key holding DATABASE_URL; scheduler: a garde:secrets item holding it",
    }),
    image: z.string().optional().meta({
      description:
        "The image that runs garde backup and garde drill (images/garde/Dockerfile); default ghcr.io/garde-dev/garde:VERSION-pgMAJOR",
    }),
    encryptTo: z
      .array(z.string().regex(/^age1[0-9a-z]+$/, { error: "must be an age public key (age1…)" }))
      .min(1)
      .optional()
      .meta({
        description: "age public keys the dumps are encrypted to; the drill needs one of their secret keys",
      }),
    keep: strictObject({
      daily: z.number().int().min(1).max(1000),
      weekly: z.number().int().min(0).max(1000),
      monthly: z.number().int().min(0).max(1000),
    })
      .optional()
      .meta({ description: "What garde prune keeps after each passing drill; default from retentionDays" }),
  }).optional(),
  drill: strictObject({
    targetUrlSecret: z.string().min(1).meta({
      description:
        "An admin URL of a server the drill may create and drop scratch databases on: Kubernetes Secret name/key (via kubernetes) or garde:secrets item (via scheduler)",
    }),
    ageIdentitySecret: z.string().min(1).optional().meta({
      description: "The age secret key of encrypted dumps, stored like targetUrlSecret",
    }),
    checks: drillChecksSchema.default([]).meta({
      description: "SQL checks run in the restored database: { name, query, expect: { equals | atLeast } }",
    }),
  }).optional(),
  firestore: strictObject({ database: z.string().default("(default)") }).optional(),
  cloudSql: strictObject({
    databaseVersion: z.enum(["POSTGRES_15", "POSTGRES_16", "MYSQL_8_0"]).default("POSTGRES_15"),
    tier: z.string().default("db-custom-1-3840"),
    edition: z.enum(["ENTERPRISE", "ENTERPRISE_PLUS"]).default("ENTERPRISE").meta({
      description:
        "Cloud SQL edition, always set: left out, PostgreSQL 16 defaults to ENTERPRISE_PLUS, which refuses custom and shared-core tiers. ENTERPRISE_PLUS takes db-perf-optimized-N-* tiers only",
    }),
    highAvailability: z.boolean().default(false),
    pointInTimeRecovery: z.boolean().default(true),
    network: z
      .string()
      .regex(/^projects\/[a-z][a-z0-9-]+\/global\/networks\/[a-z][a-z0-9-]*$/, {
        error: "must be a VPC network such as projects/acme-prod/global/networks/default",
      })
      .optional()
      .meta({
        description:
          "Private IP on this VPC (it needs private services access); without it a public IP no network may reach except through the Cloud SQL Auth Proxy",
      }),
  }).optional(),
  restoreDrillSchedule: cron.default("0 14 1 * *"),
});

const kubernetes = strictObject({
  cluster: strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, { error: "must be a GKE cluster name" }),
    location: z.string().regex(/^[a-z]+-[a-z]+\d(-[a-z])?$/, {
      error: "must be a GKE location such as europe-west1 or europe-west1-b",
    }),
    context: z.string().optional().meta({
      description: "kubeconfig context; default gke_PROJECT_LOCATION_NAME, as gcloud names it",
    }),
  }),
  image: z.string().min(1),
  host: z
    .string()
    .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: "must be a DNS name such as api.example.com" })
    .optional()
    .meta({ description: "Public host: an Ingress with its load balancer and a managed certificate" }),
  replicas: z.number().int().min(1).max(50),
  cpu: z.string().regex(/^\d+m?$/, { error: 'must be a CPU quantity such as "250m" or "1"' }),
  memory: z.string().regex(/^\d+(Mi|Gi)$/, { error: 'must be a memory quantity such as "512Mi"' }),
  port: z.number().int().default(8080),
  rateLimitPerMinute: z.number().int().positive().default(1000),
  readOnly: z.boolean().default(false),
});

const policyName = z.enum(POLICY_NAMES as [string, ...string[]]);
const policies = strictObject({
  enforcement: z.enum(["advisory", "mandatory"], { error: "must be advisory or mandatory" }).optional().meta({
    description:
      "Every policy's level in this stack; default: mandatory in prod, advisory in dev and staging (where production-only policies are off)",
  }),
  overrides: z
    .partialRecord(
      policyName,
      strictObject({
        enforcement: z
          .enum(["advisory", "mandatory", "disabled"], { error: "must be advisory, mandatory or disabled" })
          .optional(),
        resources: z.array(z.string().min(1)).min(1).optional().meta({
          description: "Only these resources (by name) are exempt; the policy keeps its level for the rest",
        }),
        reason: z
          .string({ error: "say why, for the reviewer who reads the plan" })
          .min(10, { error: "say why, for the reviewer who reads the plan (at least 10 characters)" }),
      }).refine((o) => o.enforcement !== undefined || o.resources !== undefined, {
        error: "give enforcement (advisory, mandatory, disabled), resources (names to exempt), or both",
      }),
      {
        error: (iss) => {
          const issue = iss as { code: string; keys?: string[] };
          return issue.code === "unrecognized_keys"
            ? `unknown policy ${(issue.keys ?? []).map((k) => `"${k}"`).join(", ")}; must be one of ${POLICY_NAMES.join(", ")}`
            : undefined;
        },
      },
    )
    .default({})
    .meta({ description: "One policy's level in this stack, with the reason a reviewer reads in the plan" }),
});

export const stackConfigSchema = strictObject({
  environment: z.enum(ENVIRONMENTS, { error: `must be one of ${ENVIRONMENTS.join(", ")}` }),
  app: strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, { error: "must be a lowercase name (a-z, 0-9, -)" }),
  }),
  vercel: vercel.optional(),
  gcp: gcp.optional(),
  secrets: secrets.optional(),
  alerts: alerts.optional(),
  backups: backups.optional(),
  kubernetes: kubernetes.optional(),
  githubOidc: strictObject({
    repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: "must be owner/name" }),
    repositoryId: numericId(
      "must be the repository's numeric id (gh api repos/OWNER/NAME --jq .id): names can be reused",
    ),
    repositoryOwnerId: numericId("must be the owner's numeric id (gh api repos/OWNER/NAME --jq .owner.id)"),
    productionRefs: z
      .array(
        z.string().regex(/^refs\/(heads|tags)\/\S+$/, { error: "must be a ref such as refs/heads/main" }),
      )
      .min(1)
      .default(["refs/heads/main", "refs/heads/hotfix/*"])
      .meta({ description: "prod only: the refs whose workflows may deploy; a trailing * matches a prefix" }),
  }).optional(),
  policies: policies.optional(),
});

export type StackConfig = z.output<typeof stackConfigSchema>;

/** The least retention each environment may have: a month of production history, as the seeds keep. */
export const MIN_RETENTION_DAYS: Record<StackConfig["environment"], number> = {
  dev: 3,
  staging: 7,
  prod: 30,
};
export const CONFIG_KEYS = Object.keys(stackConfigSchema.shape) as (keyof StackConfig)[];

/** A stack config that cannot be used: names the key, the stack and what is allowed. Exit 2. */
export class StackConfigError extends InputError {
  constructor(message: string) {
    super("stack config", message);
  }
}

function keyPath(path: readonly PropertyKey[]): string {
  const [first, ...rest] = path;
  return rest.reduce<string>(
    (out, k) => (typeof k === "number" ? `${out}[${k}]` : `${out}.${String(k)}`),
    `garde:${String(first ?? "")}`,
  );
}

/** Tags that move: an image named by one of these can change under a running prod. */
const MUTABLE_TAGS = /^(latest|stable|main|master|develop|dev|staging|prod|production|edge|nightly)$/;

/** A digest, a version (1.4.2, v2.0.0-rc.1) or a git SHA: names that never move. */
export function isPinnedImage(image: string): boolean {
  const { digest, tag } = imageReference(image);
  if (digest) return true;
  if (!tag || MUTABLE_TAGS.test(tag)) return false;
  return /^v?\d+\.\d+\.\d+([-+][\w.]+)?$/.test(tag) || /^[0-9a-f]{7,40}$/.test(tag);
}

/**
 * Whether Cloud SQL takes a tier in an edition: ENTERPRISE_PLUS runs the predefined
 * db-perf-optimized-N-* machines only; ENTERPRISE runs custom and shared-core ones, not those.
 */
export function cloudSqlTierProblem(edition: "ENTERPRISE" | "ENTERPRISE_PLUS", tier: string): string | null {
  const perfOptimized = /^db-perf-optimized-N-\d+$/.test(tier);
  if (edition === "ENTERPRISE_PLUS" && !perfOptimized)
    return `${tier} is not an ENTERPRISE_PLUS tier: use db-perf-optimized-N-2 (or -4, -8, …), or edition ENTERPRISE`;
  if (edition === "ENTERPRISE" && perfOptimized)
    return `${tier} runs on ENTERPRISE_PLUS only: set garde:backups.cloudSql.edition to ENTERPRISE_PLUS, or use db-custom-CPUS-MEMORY`;
  return null;
}

/** Rules across keys: references between parts, the APIs' own bounds, what prod must pin. */
function crossFieldProblems(c: StackConfig): string[] {
  const problems: string[] = [];
  const items = c.secrets?.items.map((i) => i.name) ?? [];
  const known = items.length ? items.join(", ") : "none: add garde:secrets.items";
  for (const [i, e] of (c.vercel?.env ?? []).entries()) {
    if (e.rotated !== undefined && !items.includes(e.rotated))
      problems.push(`- garde:vercel.env[${i}].rotated: no garde:secrets item ${e.rotated}; known: ${known}`);
  }
  const up = c.alerts?.uptimePaths;
  if (up && !Array.isArray(up)) {
    const hosts = publicHosts(c);
    for (const host of Object.keys(up))
      if (!hosts.includes(host))
        problems.push(
          `- garde:alerts.uptimePaths.${host}: not a public host of this stack; its hosts: ${hosts.join(", ") || "none (garde:vercel.domain, stagingDomain, garde:kubernetes.host)"}`,
        );
  }
  const has = metricSources(c);
  for (const [i, id] of (c.alerts?.policies ?? []).entries()) {
    const entry = ALERT_CATALOGUE.find((e) => e.id === id);
    if (entry && !has[entry.needs])
      problems.push(
        `- garde:alerts.policies[${i}]: ${id} cannot be built in this stack: its metric needs ${NEEDS_EXPLAINED[entry.needs]}`,
      );
  }
  const b = c.backups;
  if (b?.cloudSql && b.retentionDays > API_LIMITS.cloudSqlRetainedBackups)
    problems.push(
      `- garde:backups.retentionDays: Cloud SQL keeps at most ${API_LIMITS.cloudSqlRetainedBackups} automated backups; got ${b.retentionDays} (keep longer history as exports in the bucket)`,
    );
  const tierProblem = b?.cloudSql ? cloudSqlTierProblem(b.cloudSql.edition, b.cloudSql.tier) : null;
  if (tierProblem) problems.push(`- garde:backups.cloudSql.tier: ${tierProblem}`);
  if (b?.firestore && b.retentionDays > API_LIMITS.firestoreWeeklyRetentionDays)
    problems.push(
      `- garde:backups.retentionDays: Firestore keeps backups at most 14 weeks (${API_LIMITS.firestoreWeeklyRetentionDays} days); got ${b.retentionDays}`,
    );
  if (b?.postgres?.via === "scheduler") {
    const stored = [
      ["postgres.databaseUrlSecret", b.postgres.databaseUrlSecret],
      ["drill.targetUrlSecret", b.drill?.targetUrlSecret],
      ["drill.ageIdentitySecret", b.drill?.ageIdentitySecret],
    ] as const;
    for (const [key, value] of stored)
      if (value !== undefined && !items.includes(value))
        problems.push(
          `- garde:backups.${key}: via scheduler, the Cloud Run job reads it from Secret Manager: name a garde:secrets item (known: ${known})`,
        );
  }
  if (b?.drill && !b.postgres)
    problems.push(
      "- garde:backups.drill: the drill restores garde's PostgreSQL dumps: add garde:backups.postgres",
    );
  if (b?.drill && b.postgres?.encryptTo && !b.drill.ageIdentitySecret)
    problems.push(
      "- garde:backups.drill.ageIdentitySecret: the dumps are encrypted (postgres.encryptTo): name where the drill reads the age secret key",
    );
  if (c.kubernetes && !c.kubernetes.cluster.context && !c.gcp)
    problems.push(
      "- garde:kubernetes.cluster.context: give the kubeconfig context, or garde:gcp so garde derives GKE's (gke_PROJECT_LOCATION_NAME)",
    );
  if (c.kubernetes && c.environment === "prod" && !isPinnedImage(c.kubernetes.image))
    problems.push(
      `- garde:kubernetes.image: prod needs an image that never moves: a digest (@sha256:…), a version tag (1.4.2) or a git SHA; got ${c.kubernetes.image}`,
    );
  return problems;
}

/**
 * Validates the `garde:*` values of one stack. GCP-backed parts need `gcp`; that is checked
 * here too, so a bad stack fails before any resource is declared.
 */
export function parseStackConfig(values: Record<string, unknown>, stack: string): StackConfig {
  const result = stackConfigSchema.safeParse(values);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(`- ${issue.path.length ? keyPath(issue.path) : "garde"}: ${issue.message}`);
    }
  } else {
    const c = result.data;
    for (const part of ["secrets", "alerts", "backups", "githubOidc"] as const) {
      if (c[part] && !c.gcp)
        problems.push(`- garde:${part}: needs garde:gcp (project, projectNumber, region)`);
    }
    if (c.backups?.postgres?.via === "kubernetes" && !c.kubernetes) {
      problems.push(
        "- garde:backups.postgres.via: kubernetes needs garde:kubernetes; use via: scheduler for a database outside the cluster",
      );
    }
    problems.push(...crossFieldProblems(c));
    const minimum = MIN_RETENTION_DAYS[c.environment];
    if (c.backups && c.backups.retentionDays < minimum) {
      problems.push(
        `- garde:backups.retentionDays: ${c.environment} keeps backups at least ${minimum} days; got ${c.backups.retentionDays}`,
      );
    }
    if (c.backups && c.backups.location === c.backups.secondaryLocation) {
      problems.push(
        "- garde:backups.secondaryLocation: must differ from location (3-2-1: one copy elsewhere)",
      );
    }
  }
  if (problems.length)
    throw new StackConfigError(`Stack ${stack} has an invalid config:\n${problems.join("\n")}`);
  return (result as { data: StackConfig }).data;
}
