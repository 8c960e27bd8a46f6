import * as z from "zod";
import { parseInputs, type RawInputs } from "../inputs.ts";
import {
  DEPLOYMENT_ID,
  DEPLOYMENT_ID_HINT,
  httpUrl,
  type PlatformConfig,
  platformConfig,
  platformInputShape,
} from "../platform-inputs.ts";
import { boundedDuration, formatDuration, type SmokeConfig } from "../smoke/config.ts";
import { loadSmokeConfig } from "../smoke/load-config.ts";
import { DEFAULT_WATCH_POLICY, WATCH_LIMITS, type WatchPolicy } from "./watch.ts";

const boolean = (name: string, fallback: boolean) =>
  z
    .enum(["true", "false"], { error: `must be true or false (${name})` })
    .transform((v) => v === "true")
    .default(fallback);

export const rollbackInputsSchema = z
  .object({
    ...platformInputShape,
    to: z
      .string()
      .refine((v) => v === "previous" || DEPLOYMENT_ID.test(v), {
        error: `must be previous or ${DEPLOYMENT_ID_HINT}`,
      })
      .optional(),
    "deployment-id": z
      .string()
      .regex(DEPLOYMENT_ID, { error: `must be ${DEPLOYMENT_ID_HINT}` })
      .optional(),
    reason: z.string().max(300, { error: "must be at most 300 characters" }).optional(),
    "watch-window": boundedDuration(WATCH_LIMITS.window.min, WATCH_LIMITS.window.max).optional(),
    "watch-interval": boundedDuration(WATCH_LIMITS.interval.min, WATCH_LIMITS.interval.max).optional(),
    "consecutive-failures": z
      .string()
      .regex(/^[1-9]\d*$/, { error: "must be a whole number ≥ 1" })
      .transform(Number)
      .refine((n) => n <= WATCH_LIMITS.consecutiveFailures.max, {
        error: `must be at most ${WATCH_LIMITS.consecutiveFailures.max}`,
      })
      .optional(),
    "error-rate": z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?)$/, { error: "must be a share between 0 and 1, e.g. 0.5" })
      .transform(Number)
      .optional(),
    "slack-webhook-url": httpUrl("slack-webhook-url").optional(),
    "github-issue": boolean("github-issue", true),
    "alert-webhook-url": httpUrl("alert-webhook-url").optional(),
    "gcp-monitoring-project": z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: "must be a GCP project id" })
      .optional(),
    "gcp-monitoring-api-url": httpUrl("gcp-monitoring-api-url").default("https://monitoring.googleapis.com"),
  })
  .strict()
  .refine(
    (i) =>
      (i["watch-interval"] ?? DEFAULT_WATCH_POLICY.intervalMs) <=
      (i["watch-window"] ?? DEFAULT_WATCH_POLICY.windowMs),
    {
      path: ["watch-interval"],
      error: `must not be longer than watch-window (default ${formatDuration(DEFAULT_WATCH_POLICY.windowMs)})`,
    },
  );

export interface RollbackConfig extends PlatformConfig {
  /** Manual mode when set: "previous" or a deployment id. Auto mode (watch, decide, restore) otherwise. */
  to: string | undefined;
  /** Auto mode: the release to watch; default what production serves. */
  deploymentId: string | undefined;
  reason: string | undefined;
  smoke: SmokeConfig;
  policy: WatchPolicy;
  productionUrl: string | undefined;
  logUrl: string | undefined;
  slackWebhookUrl: string | undefined;
  githubIssue: boolean;
  alertWebhookUrl: string | undefined;
  gcpMonitoring: { project: string; apiUrl: string } | undefined;
}

export function parseRollbackConfig(raw: RawInputs): RollbackConfig {
  const i = parseInputs(rollbackInputsSchema, raw, "rollback inputs");
  return {
    ...platformConfig(i, "rollback inputs"),
    to: i.to,
    deploymentId: i["deployment-id"],
    reason: i.reason,
    smoke: loadSmokeConfig({ path: i["smoke-config"], inline: i["smoke-config-inline"] }),
    policy: {
      windowMs: i["watch-window"] ?? DEFAULT_WATCH_POLICY.windowMs,
      intervalMs: i["watch-interval"] ?? DEFAULT_WATCH_POLICY.intervalMs,
      consecutiveFailures: i["consecutive-failures"] ?? DEFAULT_WATCH_POLICY.consecutiveFailures,
      errorRate: i["error-rate"] ?? DEFAULT_WATCH_POLICY.errorRate,
    },
    productionUrl: i["production-url"],
    logUrl: i["log-url"],
    slackWebhookUrl: i["slack-webhook-url"],
    githubIssue: i["github-issue"],
    alertWebhookUrl: i["alert-webhook-url"],
    gcpMonitoring: i["gcp-monitoring-project"]
      ? { project: i["gcp-monitoring-project"], apiUrl: i["gcp-monitoring-api-url"] }
      : undefined,
  };
}
