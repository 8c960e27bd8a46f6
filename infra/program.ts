import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { Environment } from "./components/environment.ts";
import type { StackConfig } from "./config.ts";

export interface BuildOptions {
  /** The moment the program runs; rotation calendars start after it. */
  now?: Date | undefined;
  /** Extra transformations on the environment and all its resources (garde plan records with one). */
  transformations?: pulumi.ResourceTransformation[] | undefined;
}

/** The kubeconfig context of a GKE cluster, as `gcloud container clusters get-credentials` names it. */
export function kubeContext(config: StackConfig): string | undefined {
  const k = config.kubernetes;
  if (!k) return undefined;
  return k.cluster.context ?? `gke_${config.gcp?.project}_${k.cluster.location}_${k.cluster.name}`;
}

/**
 * The reference program as a function of its validated config, so `garde plan` and the tests
 * evaluate it for any stack without the Pulumi CLI.
 */
export function buildStack(
  config: StackConfig,
  secret: (name: string) => pulumi.Output<string>,
  options: BuildOptions = {},
) {
  // Pinned to the stack's own cluster: the ambient kubeconfig context could be another stack's.
  const provider = config.kubernetes
    ? new k8s.Provider(`${config.app.name}-${config.environment}-cluster`, {
        context: kubeContext(config),
        namespace: `${config.app.name}-${config.environment}`,
      })
    : undefined;
  const environment = new Environment(
    `${config.app.name}-${config.environment}`,
    {
      config,
      secret,
      kubernetesProvider: provider,
      now: options.now ?? new Date(),
    },
    options.transformations ? { transformations: options.transformations } : undefined,
  );
  return {
    environment: config.environment,
    alerts: environment.alerts,
    schedules: environment.schedules,
    pending: environment.pending,
    warnings: environment.warnings,
    secrets: environment.secrets,
    rotatedVariables: environment.rotatedVariables,
  };
}
