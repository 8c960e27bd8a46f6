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

function validated(file: StackFile): StackConfig {
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
  return config;
}

/**
 * Evaluates the reference program for stacks under Pulumi's mocks: no CLI, no cloud
 * credentials. Secret values are stand-ins wrapped as secrets, as the engine would pass them.
 * Every config is validated before anything is evaluated. Stacks whose resource names cannot
 * collide (distinct app and environment) share one mock session, registering concurrently.
 */
export async function planStacks(files: readonly StackFile[]): Promise<StackPlan[]> {
  const configs = files.map(validated);
  // Pulumi records a stack trace for every resource and promise (leak diagnostics); under mocks
  // that was most of the run, more so mapped through tsx's source maps. A plan reports config
  // errors, not traces, so it evaluates without them.
  const sourceMaps = process.sourceMapsEnabled;
  const traceLimit = Error.stackTraceLimit;
  process.setSourceMapsEnabled(false);
  Error.stackTraceLimit = 0;
  try {
    return await evaluate(files, configs);
  } finally {
    Error.stackTraceLimit = traceLimit;
    process.setSourceMapsEnabled(sourceMaps);
  }
}

async function evaluate(files: readonly StackFile[], configs: StackConfig[]): Promise<StackPlan[]> {
  const prefixes = configs.map((c) => `${c.app.name}-${c.environment}`);
  const batches: number[][] = [];
  for (let i = 0; i < files.length; i++) {
    const batch = batches.find((b) => !b.some((j) => prefixes[j] === prefixes[i]));
    if (batch) batch.push(i);
    else batches.push([i]);
  }
  const plans: StackPlan[] = new Array(files.length);
  for (const batch of batches) {
    const resources = new Map<number, PlannedResource[]>(batch.map((i) => [i, []]));
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          const owner =
            batch.find((i) => args.name.startsWith(`${prefixes[i]}-`) || args.name === prefixes[i]) ??
            batch[0];
          resources.get(owner as number)?.push({ type: args.type, name: args.name, inputs: args.inputs });
          return { id: `${args.name}-id`, state: { ...args.inputs, name: args.inputs.name ?? args.name } };
        },
        call: (args) => {
          throw new Error(`the program called ${args.token}, which garde plan does not emulate`);
        },
      },
      "garde",
      batch.length === 1 ? (files[batch[0] as number] as StackFile).stack : "plan",
      false,
    );
    const inventories = batch.map((i) =>
      buildStack(configs[i] as StackConfig, (name) => pulumi.secret(`(secret ${name})`)),
    );
    await settled();
    batch.forEach((i, k) => {
      const list = resources.get(i) ?? [];
      const byType: Record<string, number> = {};
      for (const r of list) byType[r.type] = (byType[r.type] ?? 0) + 1;
      const inventory = inventories[k] as ReturnType<typeof buildStack>;
      const file = files[i] as StackFile;
      plans[i] = {
        stack: file.stack,
        source: file.source,
        environment: (configs[i] as StackConfig).environment,
        resources: list,
        byType,
        alerts: inventory.alerts,
        backups: inventory.backups,
        secrets: inventory.secrets,
      };
    });
  }
  return plans;
}

export async function planStack(file: StackFile): Promise<StackPlan> {
  return (await planStacks([file]))[0] as StackPlan;
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
