import * as gcp from "@pulumi/gcp";
import {
  type PolicyConfigSchema,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { DAY, durationSeconds, lastSegment, settingsOf } from "./props.ts";

/** Secrets: never stored readable, and changed often enough that a leak expires. */

const sensitiveSchema: PolicyConfigSchema = {
  properties: {
    secretNamePattern: {
      type: "string",
      default: "(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?|PRIVATE|DSN|DATABASE_URL|_DB_URL)",
      description: "Variable names that hold a secret (matched anywhere in the name)",
    },
    publicPrefixes: {
      type: "array",
      items: { type: "string" },
      default: ["NEXT_PUBLIC_", "VITE_", "PUBLIC_", "REACT_APP_", "NUXT_PUBLIC_", "EXPO_PUBLIC_"],
      description: "Prefixes of variables the framework ships to the browser: public by design",
    },
  },
};

export const vercelSecretsSensitive: ResourceValidationPolicy = {
  name: "vercel-secret-env-sensitive",
  description:
    "A Vercel environment variable whose name says it holds a secret (KEY, SECRET, TOKEN, PASSWORD, DSN, DATABASE_URL, …) is sensitive: readable by builds, never by people in the dashboard or API.",
  severity: "critical",
  tags: ["secrets"],
  remediationSteps:
    "Give the value as a garde-secrets key (garde:vercel.env[].secret) so garde marks it sensitive, or set sensitive: true; Vercel refuses sensitive variables for the development target, so target preview instead.",
  configSchema: sensitiveSchema,
  validateResource: (args, report) => {
    const variables = vercelVariablesOf(args.type, args.props);
    if (!variables) args.notApplicable("not a Vercel variable");
    const { secretNamePattern, publicPrefixes } = settingsOf<{
      secretNamePattern: string;
      publicPrefixes: string[];
    }>(sensitiveSchema, args.getConfig());
    const secret = new RegExp(secretNamePattern);
    const looksSecret = (key: string) => !publicPrefixes.some((p) => key.startsWith(p)) && secret.test(key);
    const checked = (variables ?? []).filter((v) => typeof v.key === "string" && looksSecret(v.key));
    if (!checked.length) args.notApplicable("not a secret by its name");
    for (const v of checked)
      if (v.sensitive !== true)
        report(
          `Vercel variable ${v.key} looks secret but is not sensitive: anyone on the team can read its value`,
        );
  },
};

/**
 * Every way the Vercel provider sets variables: one per resource (a project's, a team's shared
 * one), a project's set of them, or inline in the project's `environments`. Null for anything else.
 */
function vercelVariablesOf(
  type: string,
  props: Record<string, unknown>,
): { key?: unknown; sensitive?: unknown }[] | null {
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

const rotationSchema: PolicyConfigSchema = {
  properties: {
    maximumRotationDays: {
      type: "integer",
      minimum: 1,
      default: 90,
      description: "The longest a Secret Manager secret may go between rotations",
    },
  },
};

export const secretRotationPeriod: ResourceValidationPolicy = {
  name: "secret-rotation-period",
  description: "Every Secret Manager secret rotates, at least every 90 days in production.",
  severity: "high",
  tags: ["secrets"],
  remediationSteps:
    "Set garde:secrets.items[].rotationDays to 90 or less (the secret's rotation.rotationPeriod).",
  configSchema: rotationSchema,
  validateResource: validateResourceOfType(gcp.secretmanager.Secret, (secret, args, report) => {
    const { maximumRotationDays } = settingsOf<{ maximumRotationDays: number }>(
      rotationSchema,
      args.getConfig(),
    );
    // rotate-keys' audit trail holds records (who, why, which versions), never a credential.
    if (isRotationAuditTrail(secret)) return;
    const period = secret.rotation?.rotationPeriod;
    if (!period) {
      report(`secret ${secret.secretId} never rotates: a leaked value stays valid for ever`);
      return;
    }
    const days = durationSeconds(period) / DAY;
    if (days > maximumRotationDays)
      report(
        `secret ${secret.secretId} rotates every ${Math.round(days)} days; at most ${maximumRotationDays}`,
      );
  }),
};

/** The audit secret garde's stacks create for rotate-keys (ENVIRONMENT-garde-rotation-audit). */
function isRotationAuditTrail(secret: { secretId?: string; labels?: Record<string, string> }): boolean {
  return (
    /^[a-z0-9-]+-garde-rotation-audit$/.test(secret.secretId ?? "") &&
    secret.labels?.["managed-by"] === "garde"
  );
}

const TOPIC_MEMBER = "gcp:pubsub/topicIAMMember:TopicIAMMember";
const TOPIC_BINDING = "gcp:pubsub/topicIAMBinding:TopicIAMBinding";
const SECRET = "gcp:secretmanager/secret:Secret";

export const secretRotationPublished: StackValidationPolicy = {
  name: "secret-rotation-published",
  description:
    "A rotating secret publishes its rotation events to a Pub/Sub topic the Secret Manager service agent may publish to: otherwise the rotation is due and nobody hears it.",
  severity: "high",
  tags: ["secrets"],
  remediationSteps:
    "Give the secret topics, and grant roles/pubsub.publisher on each to serviceAccount:service-PROJECT_NUMBER@gcp-sa-secretmanager.iam.gserviceaccount.com (garde's SecretSet does both).",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const publishers = new Set<string>();
    for (const r of args.resources) {
      if (r.props.role !== "roles/pubsub.publisher") continue;
      const members: string[] =
        r.type === TOPIC_MEMBER ? [r.props.member] : r.type === TOPIC_BINDING ? r.props.members : [];
      // A topic is named by its id (projects/P/topics/T) in one place and its name in another.
      if (members.some((m) => /@gcp-sa-secretmanager\.iam\.gserviceaccount\.com$/.test(String(m))))
        publishers.add(lastSegment(r.props.topic));
    }
    for (const secret of args.resources.filter((r) => r.type === SECRET)) {
      if (!secret.props.rotation) continue;
      const topics = ((secret.props.topics as { name: string }[] | undefined) ?? []).map((t) =>
        lastSegment(t.name),
      );
      if (!topics.length) {
        report(
          `secret ${secret.props.secretId} rotates but names no topic: Secret Manager refuses it`,
          secret.urn,
        );
        continue;
      }
      for (const topic of topics)
        if (!publishers.has(topic))
          report(
            `secret ${secret.props.secretId} publishes its rotation to ${topic}, which the Secret Manager service agent may not publish to`,
            secret.urn,
          );
    }
  },
};

export const SECRET_POLICIES = [vercelSecretsSensitive, secretRotationPeriod, secretRotationPublished];
