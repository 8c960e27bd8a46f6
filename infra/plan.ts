import * as pulumi from "@pulumi/pulumi";
import type { AlertSummary } from "./components/alerting.ts";
import type { BackupSummary } from "./components/backup-plan.ts";
import { parseStackConfig, type StackConfig, StackConfigError } from "./config.ts";
import { buildStack } from "./program.ts";
import type { StackFile } from "./stack-file.ts";

export interface PlannedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface StackPlan {
  stack: string;
  source: string;
  environment: StackConfig["environment"];
  resources: PlannedResource[];
  byType: Record<string, number>;
  alerts: AlertSummary[];
  backups: BackupSummary[];
  secrets: { name: string; rotationDays: number }[];
}

/** Names of the secret values a config needs, each a `garde-secrets:NAME` key. */
export function secretsNeeded(config: StackConfig): { name: string; where: string }[] {
  const needed = (config.vercel?.env ?? []).flatMap((e, i) =>
    e.secret ? [{ name: e.secret, where: `garde:vercel.env[${i}].secret` }] : [],
  );
  if (config.alerts?.channels.slack)
    needed.push({ name: "SLACK_TOKEN", where: "garde:alerts.channels.slack" });
  if (config.alerts?.channels.pagerduty)
    needed.push({ name: "PAGERDUTY_SERVICE_KEY", where: "garde:alerts.channels.pagerduty" });
  return needed;
}

/** The settings module's RPC barrier: resolves once every registration the program made is done. */
async function settled(): Promise<void> {
  const settings = (await import("@pulumi/pulumi/runtime/settings.js")) as unknown as {
    waitForRPCs?: () => Promise<void>;
  };
  await settings.waitForRPCs?.();
}

/**
 * Evaluates the reference program for one stack under Pulumi's mocks: no CLI, no cloud
 * credentials. Secret values are stand-ins wrapped as secrets, as the engine would pass them.
 */
export async function planStack(file: StackFile): Promise<StackPlan> {
  const config = parseStackConfig(file.values, file.stack);
  const missing = secretsNeeded(config).filter((s) => !file.secretNames.includes(s.name));
  if (missing.length) {
    throw new StackConfigError(
      `Stack ${file.stack} (${file.source}) needs secrets it does not have:\n${missing
        .map(
          (m) =>
            `- ${m.where}: set it with pulumi config set --secret garde-secrets:${m.name} --stack ${file.stack}`,
        )
        .join("\n")}`,
    );
  }
  const resources: PlannedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, name: args.inputs.name ?? args.name } };
      },
      call: (args) => {
        throw new Error(`the program called ${args.token}, which garde plan does not emulate`);
      },
    },
    "garde",
    file.stack,
    false,
  );
  const inventory = buildStack(config, (name) => pulumi.secret(`(secret ${name})`));
  await settled();
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    stack: file.stack,
    source: file.source,
    environment: config.environment,
    resources,
    byType,
    alerts: inventory.alerts,
    backups: inventory.backups,
    secrets: inventory.secrets,
  };
}

/** The inventory a reviewer reads: resources by type, alerts and routes, backups, secrets. */
export function formatPlan(plan: StackPlan): string {
  const lines = [
    `stack ${plan.stack} (${plan.source}): ${plan.environment}, ${plan.resources.length} resources`,
  ];
  lines.push("  resources:");
  for (const [type, count] of Object.entries(plan.byType).sort())
    lines.push(`    ${String(count).padStart(3)} × ${type}`);
  if (plan.alerts.length) {
    lines.push("  alerts:");
    for (const a of plan.alerts) {
      const routes = a.routes.length ? a.routes.join(", ") : "no channel configured";
      lines.push(`    [${a.severity}] ${a.title} → ${routes}${a.digest ? ` (${a.digest} digest)` : ""}`);
    }
  }
  if (plan.backups.length) {
    lines.push("  backups:");
    for (const b of plan.backups)
      lines.push(`    ${b.datastore}: ${b.how}, ${b.schedule}, kept ${b.retentionDays} days`);
  }
  if (plan.secrets.length) {
    lines.push("  secrets:");
    for (const s of plan.secrets) lines.push(`    ${s.name}: rotates every ${s.rotationDays} days`);
  }
  return lines.join("\n");
}
