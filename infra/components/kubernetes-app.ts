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
  /** Public host: an Ingress (a Google load balancer), a static IP and a managed certificate. */
  host?: string | undefined;
  protect: boolean;
  provider?: k8s.Provider | undefined;
}

/** The global static IP the Ingress takes (created in GCP by the environment). */
export const ingressAddressName = (app: string, environment: string) => `${app}-${environment}-ingress`;

/** The names alerts and backups scope themselves by. */
export const API_CONTAINER = "api";
export const API_SERVICE = "api-gateway";

/**
 * The app on Kubernetes, with the tenants runbook's levers as data: a `rate-limits` ConfigMap
 * (`kubectl patch configmap rate-limits`) and a read-only switch the Deployment reads.
 */
export class KubernetesApp extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly namespaceName: string;
  readonly warnings: string[] = [];

  constructor(name: string, args: KubernetesAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:kubernetes:App", name, {}, opts);
    const child = { parent: this, ...(args.provider ? { provider: args.provider } : {}) };
    const labels = { app: args.app, environment: args.environment, "app.kubernetes.io/managed-by": "garde" };
    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: `${args.app}-${args.environment}`, labels } },
      // Deleting a namespace deletes everything in it.
      { ...child, protect: args.protect },
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
    // Its own identity, with no API token mounted: the app never talks to the Kubernetes API.
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      { metadata: { name: `${args.app}-api`, namespace, labels }, automountServiceAccountToken: false },
      child,
    );
    new k8s.apps.v1.Deployment(
      `${name}-api`,
      apiDeployment(args, labels, namespace, account.metadata.name, switches.metadata.name),
      // The deploy pipeline sets the image for each release: Pulumi sets only the first one.
      { ...child, ignoreChanges: ["spec.template.spec.containers[0].image"] },
    );
    if (args.replicas > 1) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        {
          metadata: { name: "api-server", namespace, labels },
          spec: { maxUnavailable: 1, selector: { matchLabels: { app: args.app } } },
        },
        child,
      );
    }
    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: {
          name: API_SERVICE,
          namespace,
          labels,
          // Container-native load balancing: the load balancer reaches pods, not nodes.
          annotations: args.host ? { "cloud.google.com/neg": '{"ingress": true}' } : {},
        },
        spec: { selector: { app: args.app }, ports: [{ port: 80, targetPort: args.port }] },
      },
      child,
    );
    if (args.host) this.expose(name, args, namespace, labels, child);
    this.namespace = namespace;
    this.namespaceName = `${args.app}-${args.environment}`;
    this.registerOutputs({ namespace });
  }

  /** GKE Ingress: a global load balancer with a static IP and a Google-managed certificate. */
  private expose(
    name: string,
    args: KubernetesAppArgs,
    namespace: pulumi.Output<string>,
    labels: Record<string, string>,
    child: pulumi.CustomResourceOptions,
  ) {
    const host = args.host as string;
    const addressName = ingressAddressName(args.app, args.environment);
    new k8s.apiextensions.CustomResource(
      `${name}-certificate`,
      {
        apiVersion: "networking.gke.io/v1",
        kind: "ManagedCertificate",
        metadata: { name: `${args.app}-api`, namespace, labels },
        spec: { domains: [host] },
      },
      child,
    );
    new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          name: `${args.app}-api`,
          namespace,
          labels,
          annotations: {
            "kubernetes.io/ingress.class": "gce",
            "kubernetes.io/ingress.global-static-ip-name": addressName,
            "networking.gke.io/managed-certificates": `${args.app}-api`,
            "kubernetes.io/ingress.allow-http": "false",
          },
        },
        spec: {
          rules: [
            {
              host,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: API_SERVICE, port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
      child,
    );
    this.warnings.push(
      `${host}: point its DNS A record at the global address ${addressName}; the managed certificate stays PROVISIONING until it resolves there`,
    );
  }
}

/**
 * The API's Deployment: rolling with no capacity lost, non-root and read-only, probed, a CPU request
 * and a memory cap, the runbook's switches read from the ConfigMap. A table of data.
 */
function apiDeployment(
  args: KubernetesAppArgs,
  labels: Record<string, string>,
  namespace: pulumi.Output<string>,
  serviceAccountName: pulumi.Output<string>,
  switches: pulumi.Output<string>,
): k8s.apps.v1.DeploymentArgs {
  const probe = (failureThreshold: number) => ({
    httpGet: { path: "/healthz", port: args.port },
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold,
  });
  return {
    metadata: { name: "api-server", namespace, labels },
    spec: {
      replicas: args.replicas,
      selector: { matchLabels: { app: args.app } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: API_CONTAINER,
              image: args.image,
              ports: [{ containerPort: args.port }],
              env: [
                {
                  name: "READ_ONLY_MODE",
                  valueFrom: { configMapKeyRef: { name: switches, key: "READ_ONLY_MODE" } },
                },
                { name: "RATE_LIMIT_CONFIGMAP", value: "rate-limits" },
              ],
              envFrom: [{ secretRef: { name: `${args.app}-secrets`, optional: true } }],
              // Startup gives a slow boot up to 5 min before liveness may restart it.
              startupProbe: probe(30),
              readinessProbe: probe(3),
              livenessProbe: probe(3),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              // A CPU request and no CPU limit (a limit throttles); memory is capped.
              resources: {
                requests: { cpu: args.cpu, memory: args.memory },
                limits: { memory: args.memory },
              },
            },
          ],
        },
      },
    },
  };
}
