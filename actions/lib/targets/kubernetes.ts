import type { V1Deployment, V1PodTemplateSpec } from "@kubernetes/client-node";
import { CheckFailedError, InputError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { KubernetesWorkload, REVISION, rolloutState, type WorkloadOptions } from "./kubernetes-workload.ts";
import type { CreateDeploymentRequest, DeployTarget, TargetDeployment } from "./target.ts";

/** The annotation on a pod template naming the garde build it runs: a deployment id that survives promotion. */
export const BUILD_ANNOTATION = "garde.dev/build";
const SHA_ANNOTATION = "garde.dev/sha";
const VERSION_ANNOTATION = "garde.dev/garde-version";
export const CHANGE_CAUSE = "kubernetes.io/change-cause";

export interface KubernetesTargetOptions extends WorkloadOptions {
  /** The Service production traffic reaches it through (api-gateway). */
  service: string;
  /** The container whose image garde sets (default: the template's first). */
  container?: string | undefined;
  /** REGISTRY/app:{sha}: the image built for a commit (deploys need it; rollbacks do not). */
  imageTemplate?: string | undefined;
  /** Who, for the change-cause annotation. */
  actor?: string | undefined;
}

/** The garde build a Deployment's or ReplicaSet's pod template runs. */
const buildOf = (o: { spec?: { template?: V1PodTemplateSpec } } | null | undefined) =>
  o?.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION];

/**
 * The Deployments beside production that run builds outside its Service: `NAME-staged` holds a
 * production build checked before it takes traffic; `NAME-staging` and `NAME-preview` hold the
 * GitFlow staging and preview builds, so a push to develop never touches production.
 */
const sideName = (deployment: string, role: "staged" | "staging" | "preview") => `${deployment}-${role}`;
const SIDE_ROLES = ["staged", "staging", "preview"] as const;

/**
 * Kubernetes as a deploy target, through @kubernetes/client-node. A build is a pod template
 * annotated with garde's build id (`<sha12>-<n>`). Staged production builds run as a one-replica
 * Deployment `NAME-staged` (outside the production Service's selector) behind their own Service, are
 * checked there, and promoted by giving the production Deployment their template; current
 * production is the build of the live ReplicaSet; a rollback gives the Deployment back the
 * template of the ReplicaSet that ran the build, as `kubectl rollout undo --to-revision` does.
 */
export class KubernetesTarget implements DeployTarget {
  readonly platform = "kubernetes";
  private readonly opts: KubernetesTargetOptions;
  private readonly workload: KubernetesWorkload;

  constructor(opts: KubernetesTargetOptions) {
    this.opts = opts;
    this.workload = new KubernetesWorkload(opts);
  }

  private get apps() {
    return this.workload.apps;
  }

  private get core() {
    return this.workload.core;
  }

  private readDeployment(name = this.opts.deployment): Promise<V1Deployment> {
    return this.workload.readDeployment(name);
  }

  private where(): string {
    return this.workload.where();
  }

  private imageFor(sha: string): string {
    if (!this.opts.imageTemplate) {
      throw new InputError(
        "image-template",
        "is required to deploy: the image built for a commit, REGISTRY/app:{sha}",
      );
    }
    return this.opts.imageTemplate.replaceAll("{sha}", sha);
  }

  private setImage(template: V1PodTemplateSpec, image: string): void {
    const containers = template.spec?.containers ?? [];
    const container = this.opts.container
      ? containers.find((c) => c.name === this.opts.container)
      : containers[0];
    if (!container) {
      throw new InputError(
        "kubernetes-container",
        `${this.where()} has no container ${this.opts.container ?? "at all"}; check kubernetes-container`,
      );
    }
    container.image = image;
  }

  async create(request: CreateDeploymentRequest): Promise<TargetDeployment> {
    const production = await this.readDeployment(this.opts.deployment);
    const build = `${request.sha.slice(0, 12)}-${this.opts.clock.now().toString(36)}`;
    const template = structuredClone(production.spec?.template ?? {}) as V1PodTemplateSpec;
    this.setImage(template, this.imageFor(request.sha));
    template.metadata = {
      ...template.metadata,
      annotations: {
        ...template.metadata?.annotations,
        [BUILD_ANNOTATION]: build,
        [SHA_ANNOTATION]: request.sha,
        [VERSION_ANNOTATION]: VERSION,
        ...Object.fromEntries(Object.entries(request.meta).map(([k, v]) => [`garde.dev/${k}`, v])),
      },
    };
    if (request.environment === "production" && !request.staged) {
      await this.rollTo(template, `garde deploy ${build} (${request.environment})`);
      return this.get(build);
    }
    const role = request.environment === "production" ? "staged" : request.environment;
    await this.ensureSide(sideName(this.opts.deployment, role), production, template);
    return this.get(build);
  }

  /** A Deployment and Service beside production running one build, labelled so production's Service skips it. */
  private async ensureSide(
    name: string,
    production: V1Deployment,
    template: V1PodTemplateSpec,
  ): Promise<void> {
    const labels = { app: name, "garde.dev/beside": this.opts.deployment };
    const sideTemplate: V1PodTemplateSpec = { ...template, metadata: { ...template.metadata, labels } };
    const existing = await this.workload.readIfExists(`read deployment ${this.opts.namespace}/${name}`, () =>
      this.apps.readNamespacedDeployment({ name, namespace: this.opts.namespace }),
    );
    if (existing) {
      await this.workload.update(name, (d) => {
        d.spec = { ...d.spec, replicas: 1, template: sideTemplate, selector: { matchLabels: labels } };
      });
    } else {
      await this.workload.call(`create deployment ${this.opts.namespace}/${name}`, () =>
        this.apps.createNamespacedDeployment({
          namespace: this.opts.namespace,
          body: {
            metadata: { name, labels },
            spec: {
              replicas: 1,
              progressDeadlineSeconds: production.spec?.progressDeadlineSeconds ?? 600,
              selector: { matchLabels: labels },
              template: sideTemplate,
            },
          },
        }),
      );
    }
    const service = await this.workload.readIfExists(`read service ${this.opts.namespace}/${name}`, () =>
      this.core.readNamespacedService({ name, namespace: this.opts.namespace }),
    );
    if (!service) {
      const port = production.spec?.template?.spec?.containers?.[0]?.ports?.[0]?.containerPort ?? 8080;
      await this.workload.call(`create service ${this.opts.namespace}/${name}`, () =>
        this.core.createNamespacedService({
          namespace: this.opts.namespace,
          body: {
            metadata: { name, labels: { "garde.dev/beside": this.opts.deployment } },
            spec: {
              type: "LoadBalancer",
              selector: labels,
              ports: [{ port: 80, targetPort: port, protocol: "TCP" }],
            },
          },
        }),
      );
    }
  }

  async get(id: string): Promise<TargetDeployment> {
    return this.describe(id, await this.readDeployment(this.opts.deployment));
  }

  /** Build `id` as the production Deployment, one beside it, or an earlier revision runs it. */
  private async describe(id: string, production: V1Deployment): Promise<TargetDeployment> {
    const as = async (
      template: V1PodTemplateSpec | undefined,
      service: string,
      { state, message }: ReturnType<typeof rolloutState>,
    ): Promise<TargetDeployment> => ({
      id,
      url: await this.workload.serviceUrl(service),
      state,
      target: "production",
      errorMessage: message,
      sha: template?.metadata?.annotations?.[SHA_ANNOTATION] ?? null,
    });
    if (buildOf(production) === id) {
      return as(production.spec?.template, this.opts.service, rolloutState(production));
    }
    for (const role of SIDE_ROLES) {
      const name = sideName(this.opts.deployment, role);
      const side = await this.workload.readIfExists(`read deployment ${this.opts.namespace}/${name}`, () =>
        this.apps.readNamespacedDeployment({ name, namespace: this.opts.namespace }),
      );
      if (side && buildOf(side) === id) return as(side.spec?.template, name, rolloutState(side));
    }
    const rs = (await this.workload.replicaSets(production)).find((r) => buildOf(r) === id);
    if (!rs)
      throw new InputError(
        "to",
        `build ${id} is not a revision of ${this.where()}; run kubectl rollout history deployment/${this.opts.deployment}`,
      );
    return as(rs.spec?.template, this.opts.service, { state: "READY", message: null });
  }

  async currentProduction(): Promise<TargetDeployment | null> {
    const production = await this.readDeployment(this.opts.deployment);
    const build = buildOf(production);
    if (build && rolloutState(production).state === "READY") return this.describe(build, production);
    // Mid-rollout or never deployed by garde: what serves is the newest ReplicaSet with pods ready.
    const live = (await this.workload.replicaSets(production)).find(
      (rs) => (rs.status?.readyReplicas ?? 0) > 0,
    );
    const liveBuild = buildOf(live);
    return liveBuild ? this.describe(liveBuild, production) : null;
  }

  /** Gives the production Deployment this template and waits for the rollout, as kubectl rollout status does. */
  private async rollTo(template: V1PodTemplateSpec, cause: string): Promise<void> {
    const { deployment: updated } = await this.workload.update(this.opts.deployment, (d) => {
      d.metadata = {
        ...d.metadata,
        annotations: {
          ...d.metadata?.annotations,
          [CHANGE_CAUSE]: `${cause}${this.opts.actor ? ` by ${this.opts.actor}` : ""}`,
        },
      };
      d.spec = { ...d.spec, paused: false, template, selector: d.spec?.selector ?? { matchLabels: {} } };
    });
    await this.workload.waitRollout(updated.metadata?.generation ?? 0);
  }

  async promote(id: string): Promise<void> {
    const current = await this.readDeployment(this.opts.deployment);
    if (buildOf(current) === id) return;
    const staged = sideName(this.opts.deployment, "staged");
    const candidate = await this.readDeployment(staged);
    if (buildOf(candidate) !== id) {
      throw new InputError("deployment-id", `build ${id} is not the staged build of ${this.where()}`);
    }
    // Production's own labels, the staged build's image and annotations.
    const template = structuredClone(candidate.spec?.template ?? {}) as V1PodTemplateSpec;
    template.metadata = { ...template.metadata, labels: current.spec?.template?.metadata?.labels };
    try {
      await this.rollTo(template, `garde promote ${id}`);
    } catch (err) {
      if (!(err instanceof CheckFailedError) || !current.spec?.template) throw err;
      // Checked on one replica, it does not roll on production (quota, a node pool, a probe under
      // load): undo, as `kubectl rollout undo` would, rather than leave a half-rolled Deployment.
      await this.rollTo(current.spec.template, `garde undo of promote ${id}: ${err.message}`);
      throw new CheckFailedError(
        `${err.message}; undone: ${this.where()} runs ${buildOf(current) ?? "its previous template"} again`,
      );
    }
    await this.workload.update(staged, (d) => {
      d.spec = {
        ...d.spec,
        replicas: 0,
        selector: d.spec?.selector ?? { matchLabels: {} },
        template: d.spec?.template ?? {},
      };
    });
  }

  async rollback(id: string): Promise<void> {
    const current = await this.readDeployment(this.opts.deployment);
    if (buildOf(current) === id && rolloutState(current).state === "READY") return;
    const rs = (await this.workload.replicaSets(current)).find((r) => buildOf(r) === id);
    if (!rs?.spec?.template) {
      throw new InputError(
        "to",
        `build ${id} is not a revision of ${this.where()}; run kubectl rollout history deployment/${this.opts.deployment}`,
      );
    }
    const template = structuredClone(rs.spec.template);
    const labels = { ...template.metadata?.labels };
    delete labels["pod-template-hash"];
    template.metadata = { ...template.metadata, labels };
    await this.rollTo(
      template,
      `garde rollback to ${id} (revision ${rs.metadata?.annotations?.[REVISION] ?? "?"})`,
    );
  }

  async assignAlias(): Promise<{ previousDeploymentId: string | null }> {
    throw new InputError(
      "staging-alias",
      "staging aliases are a Vercel feature; on Kubernetes give staging its own namespace and deployment",
    );
  }
}
