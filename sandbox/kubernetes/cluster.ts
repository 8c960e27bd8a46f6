import { writeFileSync } from "node:fs";
import { writeYaml } from "../../actions/lib/yaml-text.ts";
import type { ListenOptions } from "../http-server.ts";
import type { SampleApp } from "../sample-app.ts";
import { KubernetesApiServer } from "./api-server.ts";
import { ClusterController } from "./controller.ts";
import { type ResourceType, resourceByPlural } from "./resources.ts";
import { type KObject, ObjectStore } from "./store.ts";

export interface ClusterOptions {
  token: string;
  app: SampleApp;
  podStartMs?: number;
}

/** Where the sandbox's tenants API runs, after the tenants seed (GKE, namespace production). */
export const TENANTS = {
  namespace: "production",
  deployment: "api-server",
  service: "api-gateway",
  configMap: "rate-limits",
  secret: "api-keys",
  registry: "registry.garde.test/tenants",
} as const;

const type = (group: "" | "apps", plural: string) => resourceByPlural(group, plural) as ResourceType;

/**
 * An emulated Kubernetes cluster: the API server (what kubectl and @kubernetes/client-node
 * speak to), its store, and the controllers that turn Deployments into pods serving the sample app.
 */
export class KubernetesEmulator {
  readonly store = new ObjectStore();
  readonly api: KubernetesApiServer;
  readonly controller: ClusterController;
  url = "";

  constructor(private readonly opts: ClusterOptions) {
    this.api = new KubernetesApiServer(this.store, opts.token);
    this.controller = new ClusterController(this.store, { app: opts.app, podStartMs: opts.podStartMs });
  }

  async start(listen: ListenOptions = {}): Promise<string> {
    this.url = await this.api.start(listen);
    return this.url;
  }

  /**
   * What garde sandbox and the tests start: listen, seed the tenants API at `sha`, write a
   * kubeconfig naming the CA, and wait until the gateway has an address; returns that address.
   */
  async launch(opts: {
    listen: ListenOptions;
    caPath: string;
    kubeconfig: string;
    sha: string;
  }): Promise<string> {
    await this.start(opts.listen);
    this.seedTenants(opts.sha);
    this.writeKubeconfig(opts.kubeconfig, opts.caPath);
    return this.controller.waitForServiceUrl(TENANTS.namespace, TENANTS.service);
  }

  async stop(): Promise<void> {
    await this.controller.stop();
    await this.api.stop();
  }

  /** Changes an object as another client would (a write garde did not make), bumping its resourceVersion. */
  edit(
    group: "" | "apps",
    plural: string,
    namespace: string,
    name: string,
    change: (o: KObject) => void,
  ): void {
    const t = type(group, plural);
    const current = this.store.get(t, namespace, name);
    if (!current) throw new Error(`no ${plural} ${namespace}/${name}`);
    change(current);
    this.store.replace(t, namespace, name, current);
  }

  /** The image garde builds for a commit, by the template REGISTRY/app:{sha}. */
  static imageFor(sha: string): string {
    return `${TENANTS.registry}/api:${sha}`;
  }

  /**
   * The tenants system as the seed runs it: namespace production, Deployment api-server (2
   * replicas, READY_ONLY_MODE off, the global rate limit read from ConfigMap rate-limits at
   * start), Service api-gateway selecting version v1, and Secret api-keys.
   */
  seedTenants(sha: string): void {
    const ns = TENANTS.namespace;
    this.store.create(type("", "namespaces"), undefined, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
      status: { phase: "Active" },
    });
    this.store.create(type("", "configmaps"), ns, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: TENANTS.configMap },
      data: { global: "50" },
    });
    this.store.create(type("", "secrets"), ns, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: TENANTS.secret },
      type: "Opaque",
      data: { API_TOKEN: Buffer.from("tok_seed_value").toString("base64") },
    });
    const labels = { app: TENANTS.deployment, version: "v1" };
    this.store.create(type("apps", "deployments"), ns, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: TENANTS.deployment, labels: { app: TENANTS.deployment } },
      spec: {
        replicas: 2,
        progressDeadlineSeconds: 600,
        revisionHistoryLimit: 10,
        selector: { matchLabels: labels },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "api",
                image: KubernetesEmulator.imageFor(sha),
                ports: [{ containerPort: 8080, protocol: "TCP" }],
                env: [
                  { name: "READ_ONLY_MODE", value: "false" },
                  {
                    name: "RATE_LIMIT_GLOBAL",
                    valueFrom: { configMapKeyRef: { name: TENANTS.configMap, key: "global" } },
                  },
                  {
                    name: "API_TOKEN",
                    valueFrom: { secretKeyRef: { name: TENANTS.secret, key: "API_TOKEN" } },
                  },
                  {
                    name: "API_TOKEN_PREVIOUS",
                    valueFrom: {
                      secretKeyRef: { name: TENANTS.secret, key: "API_TOKEN_PREVIOUS", optional: true },
                    },
                  },
                ],
              },
            ],
          },
        },
      },
    });
    this.store.create(type("", "services"), ns, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: TENANTS.service },
      spec: {
        type: "LoadBalancer",
        clusterIP: "10.96.0.10",
        selector: labels,
        ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }],
      },
    });
  }

  /** A kubeconfig kubectl and @kubernetes/client-node read: this server, its CA, the token. */
  writeKubeconfig(path: string, caPath?: string): void {
    const cluster = {
      server: this.url,
      ...(caPath ? { "certificate-authority": caPath } : {}),
    };
    writeFileSync(
      path,
      writeYaml({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "garde-sandbox", cluster }],
        users: [{ name: "garde-sandbox", user: { token: this.opts.token } }],
        contexts: [
          {
            name: "garde-sandbox",
            context: { cluster: "garde-sandbox", user: "garde-sandbox", namespace: TENANTS.namespace },
          },
        ],
        "current-context": "garde-sandbox",
      }),
    );
  }
}
