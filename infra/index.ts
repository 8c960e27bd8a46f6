// The garde reference program: `pulumi up --stack dev|staging|prod`.
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, parseStackConfig } from "./config.ts";
import { buildStack } from "./program.ts";

const config = new pulumi.Config("garde");
const values = Object.fromEntries(
  CONFIG_KEYS.map((key) => [key, config.getObject(key) ?? config.get(key)]).filter(
    ([, v]) => v !== undefined,
  ),
);
const stack = parseStackConfig(values, pulumi.getStack());
const secrets = new pulumi.Config("garde-secrets");
const inventory = buildStack(stack, (name) => secrets.requireSecret(name));

export const environment = inventory.environment;
export const alerts = inventory.alerts;
export const backups = inventory.backups;
export const secretsRotated = inventory.secrets;
