import { z } from "zod";
import { InputError } from "../actions/lib/errors.ts";
import { strictObject } from "../actions/lib/zod-strict.ts";

/**
 * The typed stack config: what each environment gets. Read from Pulumi config (namespace
 * `garde`), validated here, passed down as typed args; components never read config.
 * Secret values never live here: they are `secure:` keys of the `garde-secrets` namespace.
 */

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
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

const vercel = strictObject({
  project: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
    error: "must be a Vercel project name (lowercase, digits, . _ -)",
  }),
  teamId: z.string().optional(),
  framework: z.string().optional(),
  gitRepository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: "must be owner/name" }),
  domain: z.string().optional().meta({ description: "Production domain" }),
  stagingDomain: z.string().optional(),
  env: z
    .array(
      strictObject({
        key: envName,
        targets: z.array(z.enum(["production", "preview", "development"])).min(1),
        value: z.string().optional().meta({ description: "A plain, non-secret value" }),
        secret: envName.optional().meta({ description: "Name of a garde-secrets:NAME secure config key" }),
      }).refine((e) => (e.value === undefined) !== (e.secret === undefined), {
        error: "give exactly one of value (plain) or secret (the name of a garde-secrets key)",
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
  uptimePaths: z.array(z.string().startsWith("/")).default(["/healthz"]),
  uptimePeriodSeconds: z
    .union([z.literal(60), z.literal(300), z.literal(600), z.literal(900)], {
      error: "must be 60, 300, 600 or 900",
    })
    .default(60),
  policies: z
    .array(z.string())
    .optional()
    .meta({ description: "Catalogue ids to create; default: every one that applies" }),
  thresholds: z.record(z.string(), z.number()).default({}),
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
        error: "must be kubernetes (a pg_dump CronJob) or scheduler (Cloud Scheduler → the backup workflow)",
      })
      .default("kubernetes"),
    databaseUrlSecret: z.string().min(1).meta({
      description: "kubernetes: Secret name/key holding DATABASE_URL; scheduler: the garde-secrets name",
    }),
  }).optional(),
  firestore: strictObject({ database: z.string().default("(default)") }).optional(),
  cloudSql: strictObject({
    databaseVersion: z.enum(["POSTGRES_15", "POSTGRES_16", "MYSQL_8_0"]).default("POSTGRES_15"),
    tier: z.string().default("db-custom-1-3840"),
    highAvailability: z.boolean().default(false),
    pointInTimeRecovery: z.boolean().default(true),
  }).optional(),
  restoreDrillSchedule: cron.default("0 14 1 * *"),
});

const kubernetes = strictObject({
  image: z.string().min(1),
  replicas: z.number().int().min(1).max(50),
  cpu: z.string().regex(/^\d+m?$/, { error: 'must be a CPU quantity such as "250m" or "1"' }),
  memory: z.string().regex(/^\d+(Mi|Gi)$/, { error: 'must be a memory quantity such as "512Mi"' }),
  port: z.number().int().default(8080),
  rateLimitPerMinute: z.number().int().positive().default(1000),
  readOnly: z.boolean().default(false),
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
  }).optional(),
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
