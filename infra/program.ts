import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { Environment } from "./components/environment.ts";
import type { StackConfig } from "./config.ts";

/**
 * The reference program as a function of its validated config, so `garde plan` and the tests
 * evaluate it for any stack without the Pulumi CLI.
 */
export function buildStack(config: StackConfig, secret: (name: string) => pulumi.Output<string>) {
  const provider = config.kubernetes
    ? new k8s.Provider(`${config.app.name}-${config.environment}-cluster`, {})
    : undefined;
  const environment = new Environment(`${config.app.name}-${config.environment}`, {
    config,
    secret,
    kubernetesProvider: provider,
  });
  return {
    environment: config.environment,
    alerts: environment.alerts,
    backups: environment.backups,
    secrets: environment.secrets,
  };
}
