// First: it defers what loading the SDK would load for nothing offline (see offline-sdk.ts).
import "./offline-sdk.ts";
import * as pulumi from "@pulumi/pulumi";
import type { AlertSummary } from "./components/alerting.ts";
import { parseStackConfig, type StackConfig, StackConfigError } from "./config.ts";
import { offlineRuntime } from "./offline-sdk.ts";
import { checkPolicies, type PlanPolicies } from "./plan-policies.ts";
import { type BuildOptions, buildStack } from "./program.ts";
import type { PendingWork, ScheduledWork } from "./schedules.ts";
import { redactSecrets } from "./secret-values.ts";
import type { StackFile } from "./stack-file.ts";

export interface PlannedResource {
  type: string;
  name: string;
  /** Its URN as the engine would write it (parent types joined by $). */
  urn: string;
  /** The component it belongs to (by name), if any. */
  parent?: string | undefined;
  inputs: Record<string, unknown>;
  /** Names of the resources it waits for (explicit dependsOn, APIs included). */
  dependsOn: string[];
  protect: boolean;
  ignoreChanges: string[];
}

export { SECRET_SIG } from "./secret-values.ts";

export interface StackPlan {
  stack: string;
  source: string;
  environment: StackConfig["environment"];
  resources: PlannedResource[];
  byType: Record<string, number>;
  alerts: AlertSummary[];
  schedules: ScheduledWork[];
  pending: PendingWork[];
  warnings: string[];
  secrets: { name: string; rotationDays: number }[];
  rotatedVariables: { key: string; secret: string }[];
  /** The policy pack's verdict on the stack's resources. */
  policies: PlanPolicies;
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

/** What a plan evaluates a secret as: its name, never a value (plans run without the stack's key). */
export const secretStandIn = (name: string) => `(secret ${name})`;

/**
 * A secret's stand-in qualified with the digest of its ciphertext in the stack file, so that two
 * plans of the same stack tell a re-keyed secret from an unchanged one without seeing either.
 */
export function secretIdentity(value: unknown, digests: Record<string, string>): string {
  return JSON.stringify(value).replace(
    /\(secret ([^)\s]+)\)/g,
    (standIn, name: string) => `${standIn.slice(0, -1)} ${digests[name] ?? "unknown"})`,
  );
}

/** A stack file's config, validated, with every secret it needs present. */
export function validatedConfig(file: StackFile): StackConfig {
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
 * Every config is validated before anything is evaluated.
 */
export async function planStacks(
  files: readonly StackFile[],
  options: Pick<BuildOptions, "now"> = {},
): Promise<StackPlan[]> {
  const configs = files.map(validatedConfig);
  // Pulumi records a stack trace for every resource (Resource.callsites, which lifts
  // Error.stackTraceLimit to Infinity) and every promise (debuggablePromise, for its leak report
  // at exit); under mocks that was a third of the CPU, more so mapped through tsx's source maps. A
  // plan reports config errors, not traces or leaks, so it evaluates without them (offlineRuntime).
  const sourceMaps = process.sourceMapsEnabled;
  const traceLimit = Error.stackTraceLimit;
  const restoreRuntime = offlineRuntime();
  process.setSourceMapsEnabled(false);
  Error.stackTraceLimit = 0;
  try {
    return await evaluate(files, configs, options);
  } finally {
    Error.stackTraceLimit = traceLimit;
    process.setSourceMapsEnabled(sourceMaps);
    restoreRuntime();
  }
}

/**
 * The inputs with every object's keys in order, as they came out of a protobuf Struct before the
 * plan stopped the round trip (offlineRuntime): plans and their diffs read the same as before.
 */
function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortedKeys((value as Record<string, unknown>)[key]);
  return out as T;
}

/** A resource's name as Pulumi holds it (the SDK keeps it on every Resource object). */
const nameOf = (r: unknown) => (r as { __name?: string }).__name ?? "?";
/** Type and name: Pulumi allows one name for two types (a log metric and its policy). */
const keyOf = (r: unknown) => `${(r as { __pulumiType?: string }).__pulumiType}::${nameOf(r)}`;

/** The options that matter to a reviewer, as the program declared them. */
function declaredOptions(o: pulumi.ResourceOptions) {
  const deps = o.dependsOn ? ([] as unknown[]).concat(o.dependsOn as unknown[]) : [];
  return {
    parent: o.parent ? nameOf(o.parent) : undefined,
    parentKey: o.parent ? keyOf(o.parent) : undefined,
    dependsOn: deps.map(nameOf).sort(),
    dependsOnKeys: deps.map(keyOf),
    protect: Boolean(o.protect),
    ignoreChanges: [...(o.ignoreChanges ?? [])],
  };
}

/** Answers the data-source calls the program makes, with what the real service would return. */
function callResult(token: string, inputs: Record<string, unknown>, configs: StackConfig[]) {
  if (token === "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount") {
    const number = configs.find((c) => c.gcp?.project === inputs.project)?.gcp?.projectNumber;
    return {
      email: `project-${number}@storage-transfer-service.iam.gserviceaccount.com`,
      id: inputs.project,
    };
  }
  if (token === "vercel:index/getProject:getProject") return { id: `prj_${inputs.name}`, name: inputs.name };
  throw new Error(`the program called ${token}, which garde plan does not emulate`);
}

/** A topic's id as Pub/Sub gives it, so what references the topic reads a real path. */
const topicId = (inputs: Record<string, unknown>) => `projects/${inputs.project}/topics/${inputs.name}`;

/** Outputs the provider computes that the program reads back (the rest echo the inputs). */
function computedState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (type === "gcp:pubsub/topic:Topic") return { id: topicId(inputs) };
  if (type === "gcp:serviceaccount/account:Account")
    return { email: `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com` };
  return {};
}

/**
 * URNs as the engine writes them: `urn:pulumi:STACK::garde::PARENT$TYPE::NAME`, every ancestor's
 * type joined by `$` (the stack itself, the root, is left out).
 */
function urns(stack: string, declared: Map<string, ReturnType<typeof declaredOptions>>) {
  const qualified = (key: string, seen = 0): string => {
    const type = key.slice(0, key.indexOf("::"));
    const parent = declared.get(key)?.parentKey;
    return parent && seen < 64 ? `${qualified(parent, seen + 1)}$${type}` : type;
  };
  // Each URN is asked for once as a resource's own and again by every child and dependent.
  const known = new Map<string, string>();
  return (key: string) => {
    let urn = known.get(key);
    if (urn === undefined) {
      urn = `urn:pulumi:${stack}::garde::${qualified(key)}::${key.slice(key.indexOf("::") + 2)}`;
      known.set(key, urn);
    }
    return urn;
  };
}

const byTypeThenName = (a: PlannedResource, b: PlannedResource) =>
  a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type);

/**
 * One mock session per stack, one stack after the other. Evaluating many stacks in one session
 * concurrently was slower (150 stacks: 12.4 s against 6.2 s here): every stack's resources stay
 * alive until the last one settles, and the collector spends the difference.
 */
async function evaluate(
  files: readonly StackFile[],
  configs: StackConfig[],
  options: Pick<BuildOptions, "now">,
): Promise<StackPlan[]> {
  const plans: StackPlan[] = [];
  for (const [i, file] of files.entries()) {
    plans.push(await evaluateStack(file, configs[i] as StackConfig, configs, options));
  }
  return plans;
}

async function evaluateStack(
  file: StackFile,
  config: StackConfig,
  configs: StackConfig[],
  options: Pick<BuildOptions, "now">,
): Promise<StackPlan> {
  const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
  const declared = new Map<string, ReturnType<typeof declaredOptions>>();
  const record: pulumi.ResourceTransformation = ({ type, name, opts }) => {
    declared.set(`${type}::${name}`, declaredOptions(opts));
    return undefined;
  };
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: sortedKeys(args.inputs) });
        const state = computedState(args.type, args.inputs);
        return {
          id: typeof state.id === "string" ? state.id : `${args.name}-id`,
          state: { ...args.inputs, name: args.inputs.name ?? args.name, ...state },
        };
      },
      call: (args) => callResult(args.token, args.inputs, configs),
    },
    "garde",
    file.stack,
    false,
  );
  const inventory = buildStack(config, (name) => pulumi.secret(secretStandIn(name)), {
    ...options,
    transformations: [record],
  });
  await settled();
  const urnOf = urns(file.stack, declared);
  const subjects = registered.map((r) => {
    const key = `${r.type}::${r.name}`;
    const o = declared.get(key);
    return {
      type: r.type,
      name: r.name,
      inputs: r.inputs,
      urn: urnOf(key),
      parent: o?.parent,
      parentUrn: o?.parentKey ? urnOf(o.parentKey) : undefined,
      dependsOn: o?.dependsOn ?? [],
      dependsOnUrns: (o?.dependsOnKeys ?? []).map(urnOf),
      protect: o?.protect ?? false,
      ignoreChanges: o?.ignoreChanges ?? [],
    };
  });
  const list: PlannedResource[] = subjects
    .map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      parent: r.parent,
      inputs: r.inputs,
      dependsOn: r.dependsOn,
      protect: r.protect,
      ignoreChanges: r.ignoreChanges,
    }))
    .sort(byTypeThenName);
  const byType: Record<string, number> = {};
  for (const r of list) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    stack: file.stack,
    source: file.source,
    environment: config.environment,
    resources: list,
    byType,
    alerts: inventory.alerts,
    schedules: inventory.schedules,
    pending: inventory.pending,
    warnings: inventory.warnings,
    secrets: inventory.secrets,
    rotatedVariables: inventory.rotatedVariables,
    policies: await checkPolicies(subjects, config),
  };
}

export async function planStack(file: StackFile): Promise<StackPlan> {
  return (await planStacks([file]))[0] as StackPlan;
}

/** A plan as JSON: resources sorted, secrets shown as "[secret]", never Pulumi's envelope. */
export function planJson(plans: StackPlan[]): string {
  return `${JSON.stringify(
    plans.map((p) => ({
      ...p,
      resources: p.resources.map((r) => ({ ...r, inputs: redactSecrets(r.inputs) })),
    })),
    null,
    2,
  )}\n`;
}

/**
 * One schedule as its chain: when → what runs it → the command → where it lands → what proves it
 * → who hears when a run fails (garde's jobs end in -pg-ROLE; their alert is ROLE-failed).
 */
function describeSchedule(s: ScheduledWork, alerts: StackPlan["alerts"]): string[] {
  const role = /-pg-(\w+)$/.exec(s.executor.name)?.[1];
  const onFailure = role ? alerts.find((a) => a.id === `${role}-failed`) : undefined;
  const e = s.executor;
  const chain = e.trigger ? `Cloud Scheduler ${e.trigger} → ${e.kind} ${e.name}` : `${e.kind} ${e.name}`;
  const when = /^\S+( \S+){4}$/.test(s.schedule)
    ? `${s.schedule} (${s.timeZone})`
    : `${s.schedule} ${s.timeZone}`;
  const kept = s.retentionDays ? `, kept ${s.retentionDays} days` : "";
  return [
    `${s.what}: ${when}, run by ${chain}`,
    ...(s.command ? [`  runs: ${s.command}`] : []),
    ...(s.output ? [`  → ${s.output}${kept}`] : kept ? [`  ${kept.slice(2)}`] : []),
    ...(s.provenBy ? [`  proven by: ${s.provenBy}`] : []),
    ...(onFailure
      ? [
          `  a failed run: [${onFailure.severity}] ${onFailure.title} → ${onFailure.routes.join(", ") || "no channel configured"}`,
        ]
      : []),
  ];
}

/** Policy results first: what blocks (mandatory), then what only warns, each with how to fix it. */
function describePolicies(p: PlanPolicies): string[] {
  const mandatory = p.violations.filter((v) => v.enforcement === "mandatory").length;
  const advisory = p.violations.length - mandatory;
  const lines = [
    `  policies: ${p.checked} checked, ${mandatory} mandatory violation${mandatory === 1 ? "" : "s"}, ${advisory} advisory`,
  ];
  for (const v of p.violations) {
    lines.push(
      `    ${v.enforcement === "mandatory" ? "✗" : "!"} [${v.enforcement}] ${v.policy}${v.resource ? ` on ${v.resource}` : ""}`,
    );
    lines.push(`        ${v.message}`);
    if (v.fix) lines.push(`        fix: ${v.fix}`);
    if (v.reason) lines.push(`        level set by the stack: ${v.reason}`);
  }
  for (const e of p.exemptions)
    lines.push(`    - ${e.policy} exempts ${e.resources.join(", ")}: ${e.reason}`);
  return lines;
}

/** Whether any stack breaks a mandatory policy: garde plan then exits 1. */
export const mandatoryViolations = (plans: StackPlan[]) =>
  plans.flatMap((p) => p.policies.violations.filter((v) => v.enforcement === "mandatory"));

/** The inventory a reviewer reads: resources by type, alerts and routes, schedules, secrets, warnings. */
export function formatPlan(plan: StackPlan): string {
  const lines = [
    `stack ${plan.stack} (${plan.source}): ${plan.environment}, ${plan.resources.length} resources`,
  ];
  lines.push(...describePolicies(plan.policies));
  lines.push("  resources:");
  for (const [type, count] of Object.entries(plan.byType).sort())
    lines.push(`    ${String(count).padStart(3)} × ${type}`);
  if (plan.alerts.length) {
    lines.push("  alerts:");
    for (const a of plan.alerts) {
      const routes = a.routes.length ? a.routes.join(", ") : "no channel configured";
      lines.push(`    [${a.severity}] ${a.title} → ${routes}`);
    }
  }
  if (plan.schedules.length) {
    lines.push("  schedules:");
    for (const s of plan.schedules)
      for (const line of describeSchedule(s, plan.alerts)) lines.push(`    ${line}`);
  }
  if (plan.secrets.length || plan.rotatedVariables.length) {
    lines.push("  secrets:");
    for (const s of plan.secrets) lines.push(`    ${s.name}: rotates every ${s.rotationDays} days`);
    for (const v of plan.rotatedVariables)
      lines.push(`    Vercel ${v.key}: value owned by rotate-keys (${v.secret})`);
  }
  const warnings = [
    ...plan.pending.map((p) => `${p.what} (${p.schedule}) is not scheduled: waiting for ${p.waitingFor}`),
    ...plan.warnings,
  ];
  if (warnings.length) {
    lines.push("  warnings:");
    for (const w of warnings) lines.push(`    ! ${w}`);
  }
  return lines.join("\n");
}
