import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface KubernetesAppArgs {
  app: string;
  environment: string;
  image: string;
  replicas: number;
  cpu: string;
  memory: string;
  port: number;
  rateLimitPerMinute: number;
  readOnly: boolean;
  provider?: k8s.Provider | undefined;
}

/**
 * The app on Kubernetes, with the tenants runbook's levers as data: a `rate-limits` ConfigMap
 * (`kubectl patch configmap rate-limits`) and a read-only switch the Deployment reads.
 */
export class KubernetesApp extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: KubernetesAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:kubernetes:App", name, {}, opts);
    const child = { parent: this, ...(args.provider ? { provider: args.provider } : {}) };
    const labels = { app: args.app, environment: args.environment, "app.kubernetes.io/managed-by": "garde" };
    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: `${args.app}-${args.environment}`, labels } },
      child,
    );
    const namespace = ns.metadata.name;
    new k8s.core.v1.ConfigMap(
      `${name}-rate-limits`,
      {
        metadata: { name: "rate-limits", namespace, labels },
        data: { global: String(args.rateLimitPerMinute) },
      },
      child,
    );
    const switches = new k8s.core.v1.ConfigMap(
      `${name}-switches`,
      {
        metadata: { name: "runtime-switches", namespace, labels },
        data: { READ_ONLY_MODE: String(args.readOnly) },
      },
      child,
    );
    const probe = (initialDelaySeconds: number) => ({
      httpGet: { path: "/healthz", port: args.port },
      initialDelaySeconds,
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
    new k8s.apps.v1.Deployment(
      `${name}-api`,
      {
        metadata: { name: "api-server", namespace, labels },
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: { app: args.app } },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: "api",
                  image: args.image,
                  ports: [{ containerPort: args.port }],
                  env: [
                    {
                      name: "READ_ONLY_MODE",
                      valueFrom: { configMapKeyRef: { name: switches.metadata.name, key: "READ_ONLY_MODE" } },
                    },
                    { name: "RATE_LIMIT_CONFIGMAP", value: "rate-limits" },
                  ],
                  envFrom: [{ secretRef: { name: `${args.app}-secrets`, optional: true } }],
                  readinessProbe: probe(5),
                  livenessProbe: probe(20),
                  resources: {
                    requests: { cpu: args.cpu, memory: args.memory },
                    limits: { memory: args.memory },
                  },
                },
              ],
            },
          },
        },
      },
      child,
    );
    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: "api-gateway", namespace, labels },
        spec: { selector: { app: args.app }, ports: [{ port: 80, targetPort: args.port }] },
      },
      child,
    );
    this.namespace = namespace;
    this.registerOutputs({ namespace });
  }
}
