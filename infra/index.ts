// The garde reference program: `pulumi up --stack dev|staging|prod`.
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, parseStackConfig } from "./config.ts";
import { buildStack } from "./program.ts";

const config = new pulumi.Config("garde");
// Structured keys arrive as JSON text, plain ones (environment) as strings.
const read = (key: string): unknown => {
  const raw = config.get(key);
  return raw !== undefined && /^[[{]/.test(raw.trim()) ? config.getObject(key) : raw;
};
const values = Object.fromEntries(
  CONFIG_KEYS.map((key) => [key, read(key)]).filter(([, v]) => v !== undefined),
);
const stack = parseStackConfig(values, pulumi.getStack());
const secrets = new pulumi.Config("garde-secrets");
const inventory = buildStack(stack, (name) => secrets.requireSecret(name));

export const environment = inventory.environment;
export const alerts = inventory.alerts;
export const schedules = inventory.schedules;
export const secretsRotated = inventory.secrets;
