import {
  type ApiException,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1PodTemplateSpec,
  type V1ReplicaSet,
  type V1Service,
} from "@kubernetes/client-node";
import { CheckFailedError, errorMessage, InputError, PlatformError } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { VERSION } from "../version.ts";
import type { CreateDeploymentRequest, DeployTarget, ReadyState, TargetDeployment } from "./target.ts";

/** The annotation on a pod template naming the garde build it runs: a deployment id that survives promotion. */
export const BUILD_ANNOTATION = "garde.dev/build";
const SHA_ANNOTATION = "garde.dev/sha";
const VERSION_ANNOTATION = "garde.dev/garde-version";
const CHANGE_CAUSE = "kubernetes.io/change-cause";
const REVISION = "deployment.kubernetes.io/revision";

export interface KubernetesTargetOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The production Deployment (api-server). */
  deployment: string;
  /** The Service production traffic reaches it through (api-gateway). */
  service: string;
  /** The container whose image garde sets (default: the template's first). */
  container?: string | undefined;
  /** REGISTRY/app:{sha}: the image built for a commit. */
  imageTemplate: string;
  clock: Clock;
  reporter: Reporter;
  /** How long a promotion or rollback may take to roll out. */
  rolloutTimeoutMs?: number;
  /** Who, for the change-cause annotation. */
  actor?: string | undefined;
}

const isApiException = (err: unknown): err is ApiException<unknown> =>
  typeof (err as { code?: unknown }).code === "number" && "body" in (err as object);

/** The preview of a production Deployment: its staged builds, checked before they take traffic. */
const previewName = (deployment: string) => `${deployment}-preview`;

function urlOf(service: V1Service): string | null {
  const ingress = service.status?.loadBalancer?.ingress?.[0];
  const host = ingress?.ip ?? ingress?.hostname;
  const port = ingress?.ports?.[0]?.port ?? service.spec?.ports?.[0]?.port;
  return host ? `http://${host}${port && port !== 80 ? `:${port}` : ""}` : null;
}

/** A Deployment's rollout as `kubectl rollout status` judges it. */
export function rolloutState(d: V1Deployment): { state: ReadyState; message: string | null } {
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const progressing = s.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return {
      state: "ERROR",
      message: `ProgressDeadlineExceeded: ${progressing.message ?? "the rollout did not progress"}`,
    };
  }
  if ((s.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) return { state: "QUEUED", message: null };
  if ((s.updatedReplicas ?? 0) < desired) return { state: "BUILDING", message: null };
  if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return { state: "BUILDING", message: null };
  if ((s.availableReplicas ?? 0) < desired) return { state: "BUILDING", message: null };
  return { state: "READY", message: null };
}

/**
 * Kubernetes as a deploy target, through @kubernetes/client-node. A build is a pod template
 * annotated with garde's build id (`<sha12>-<n>`). Staged production builds run as a one-replica
 * preview Deployment (outside the production Service's selector) behind their own Service, are
 * checked there, and promoted by giving the production Deployment their template; current
 * production is the build of the live ReplicaSet; a rollback gives the Deployment back the
 * template of the ReplicaSet that ran the build, as `kubectl rollout undo --to-revision` does.
 */
export class KubernetesTarget implements DeployTarget {
  readonly platform = "kubernetes";
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly opts: KubernetesTargetOptions;

  constructor(opts: KubernetesTargetOptions) {
    this.opts = opts;
    this.apps = opts.kubeConfig.makeApiClient(AppsV1Api);
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
  }

  private where(): string {
    return `deployment ${this.opts.namespace}/${this.opts.deployment}`;
  }

  /** Reads, naming what is missing (a namespace or a deployment) as bad input: exit 2. */
  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (isApiException(err) && err.code === 404) {
        const namespace = await this.core.readNamespace({ name: this.opts.namespace }).then(
          () => true,
          () => false,
        );
        if (!namespace) {
          throw new InputError(
            "kubernetes-namespace",
            `namespace ${this.opts.namespace} does not exist on the cluster; check kubernetes-namespace`,
          );
        }
        throw new InputError(
          "kubernetes-deployment",
          `${what}: not found in namespace ${this.opts.namespace}; check kubernetes-deployment and kubernetes-service`,
        );
      }
      const detail = isApiException(err)
        ? `HTTP ${err.code} ${JSON.stringify(err.body).slice(0, 300)}`
        : errorMessage(err);
      throw new PlatformError(what, detail, {
        status: isApiException(err) ? err.code : undefined,
        attempts: 1,
      });
    }
  }

  private readDeployment(name: string): Promise<V1Deployment> {
    return this.call(`read deployment ${this.opts.namespace}/${name}`, () =>
      this.apps.readNamespacedDeployment({ name, namespace: this.opts.namespace }),
    );
  }

  /**
   * Read, change, write back with the resourceVersion read: a concurrent writer makes the API
   * answer 409, and the change is made again on a fresh read (as client-go's RetryOnConflict).
   */
  private async update(name: string, change: (d: V1Deployment) => void): Promise<V1Deployment> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.readDeployment(name);
      change(current);
      try {
        return await this.apps.replaceNamespacedDeployment({
          name,
          namespace: this.opts.namespace,
          body: current,
        });
      } catch (err) {
        if (isApiException(err) && err.code === 409 && attempt < 5) {
          this.opts.reporter.info(
            `Deployment ${name} changed while garde wrote it (409 Conflict); reading it again`,
          );
          continue;
        }
        return this.call(`update deployment ${this.opts.namespace}/${name}`, () => Promise.reject(err));
      }
    }
  }

  private imageFor(sha: string): string {
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
    if (!request.staged) {
      await this.rollTo(template, `garde deploy ${build} (${request.environment})`);
      return this.get(build);
    }
    await this.ensurePreview(production, template);
    return this.get(build);
  }

  /** The preview Deployment and Service: the staged build, labelled so production's Service skips it. */
  private async ensurePreview(production: V1Deployment, template: V1PodTemplateSpec): Promise<void> {
    const name = previewName(this.opts.deployment);
    const labels = { app: name, "garde.dev/preview-of": this.opts.deployment };
    const previewTemplate: V1PodTemplateSpec = { ...template, metadata: { ...template.metadata, labels } };
    const existing = await this.apps
      .readNamespacedDeployment({ name, namespace: this.opts.namespace })
      .catch(() => null);
    if (existing) {
      await this.update(name, (d) => {
        d.spec = { ...d.spec, replicas: 1, template: previewTemplate, selector: { matchLabels: labels } };
      });
    } else {
      await this.call(`create deployment ${this.opts.namespace}/${name}`, () =>
        this.apps.createNamespacedDeployment({
          namespace: this.opts.namespace,
          body: {
            metadata: { name, labels },
            spec: {
              replicas: 1,
              progressDeadlineSeconds: production.spec?.progressDeadlineSeconds ?? 600,
              selector: { matchLabels: labels },
              template: previewTemplate,
            },
          },
        }),
      );
    }
    const service = await this.core
      .readNamespacedService({ name, namespace: this.opts.namespace })
      .catch(() => null);
    if (!service) {
      const port = production.spec?.template?.spec?.containers?.[0]?.ports?.[0]?.containerPort ?? 8080;
      await this.call(`create service ${this.opts.namespace}/${name}`, () =>
        this.core.createNamespacedService({
          namespace: this.opts.namespace,
          body: {
            metadata: { name, labels: { "garde.dev/preview-of": this.opts.deployment } },
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

  private async replicaSets(): Promise<V1ReplicaSet[]> {
    const production = await this.readDeployment(this.opts.deployment);
    const selector = Object.entries(production.spec?.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const list = await this.call(`list replicasets of ${this.where()}`, () =>
      this.apps.listNamespacedReplicaSet({ namespace: this.opts.namespace, labelSelector: selector }),
    );
    return list.items
      .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === production.metadata?.uid))
      .sort(
        (a, b) =>
          Number(b.metadata?.annotations?.[REVISION] ?? 0) - Number(a.metadata?.annotations?.[REVISION] ?? 0),
      );
  }

  private async serviceUrl(name: string): Promise<string> {
    const service = await this.call(`read service ${this.opts.namespace}/${name}`, () =>
      this.core.readNamespacedService({ name, namespace: this.opts.namespace }),
    );
    return urlOf(service) ?? "";
  }

  async get(id: string): Promise<TargetDeployment> {
    const production = await this.readDeployment(this.opts.deployment);
    const sha = (t: V1PodTemplateSpec | undefined) => t?.metadata?.annotations?.[SHA_ANNOTATION] ?? null;
    if (production.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION] === id) {
      const { state, message } = rolloutState(production);
      return {
        id,
        url: await this.serviceUrl(this.opts.service),
        state,
        target: "production",
        errorMessage: message,
        sha: sha(production.spec?.template),
      };
    }
    const preview = await this.apps
      .readNamespacedDeployment({ name: previewName(this.opts.deployment), namespace: this.opts.namespace })
      .catch(() => null);
    if (preview?.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION] === id) {
      const { state, message } = rolloutState(preview);
      return {
        id,
        url: await this.serviceUrl(previewName(this.opts.deployment)),
        state,
        target: "production",
        errorMessage: message,
        sha: sha(preview.spec?.template),
      };
    }
    const rs = (await this.replicaSets()).find(
      (r) => r.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION] === id,
    );
    if (!rs)
      throw new InputError(
        "to",
        `build ${id} is not a revision of ${this.where()}; run kubectl rollout history deployment/${this.opts.deployment}`,
      );
    return {
      id,
      url: await this.serviceUrl(this.opts.service),
      state: "READY",
      target: "production",
      errorMessage: null,
      sha: sha(rs.spec?.template),
    };
  }

  async currentProduction(): Promise<TargetDeployment | null> {
    const production = await this.readDeployment(this.opts.deployment);
    const build = production.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION];
    if (!build || rolloutState(production).state !== "READY") {
      // Mid-rollout or never deployed by garde: what serves is the newest ReplicaSet with pods ready.
      const live = (await this.replicaSets()).find((rs) => (rs.status?.readyReplicas ?? 0) > 0);
      const liveBuild = live?.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION];
      return liveBuild ? this.get(liveBuild) : null;
    }
    return this.get(build);
  }

  /** Gives the production Deployment this template and waits for the rollout, as kubectl rollout status does. */
  private async rollTo(template: V1PodTemplateSpec, cause: string): Promise<void> {
    const updated = await this.update(this.opts.deployment, (d) => {
      d.metadata = {
        ...d.metadata,
        annotations: {
          ...d.metadata?.annotations,
          [CHANGE_CAUSE]: `${cause}${this.opts.actor ? ` by ${this.opts.actor}` : ""}`,
        },
      };
      d.spec = { ...d.spec, paused: false, template, selector: d.spec?.selector ?? { matchLabels: {} } };
    });
    await this.waitRollout(updated.metadata?.generation ?? 0);
  }

  private async waitRollout(generation: number): Promise<void> {
    const timeoutMs = this.opts.rolloutTimeoutMs ?? 600_000;
    const deadline = this.opts.clock.now() + timeoutMs;
    let last = "";
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      const d = await this.readDeployment(this.opts.deployment);
      const { state, message } = rolloutState(d);
      const s = d.status ?? {};
      const progress = `${s.updatedReplicas ?? 0}/${d.spec?.replicas ?? 1} updated, ${s.availableReplicas ?? 0} available`;
      if (progress !== last) this.opts.reporter.info(`Rollout of ${this.where()}: ${progress}`);
      last = progress;
      if ((s.observedGeneration ?? 0) >= generation && state === "READY") return;
      if (state === "ERROR") throw new CheckFailedError(`Rollout of ${this.where()} failed: ${message}`);
      if (this.opts.clock.now() >= deadline) {
        throw new CheckFailedError(
          `Rollout of ${this.where()} did not finish in ${Math.round(timeoutMs / 1000)} s (${progress})`,
        );
      }
      await this.opts.clock.sleep(delay);
    }
  }

  async promote(id: string): Promise<void> {
    const current = await this.readDeployment(this.opts.deployment);
    if (current.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION] === id) return;
    const preview = await this.readDeployment(previewName(this.opts.deployment));
    if (preview.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION] !== id) {
      throw new InputError("deployment-id", `build ${id} is not the staged preview of ${this.where()}`);
    }
    // Production's own labels, the preview's image and annotations.
    const template = structuredClone(preview.spec?.template ?? {}) as V1PodTemplateSpec;
    template.metadata = { ...template.metadata, labels: current.spec?.template?.metadata?.labels };
    await this.rollTo(template, `garde promote ${id}`);
    await this.update(previewName(this.opts.deployment), (d) => {
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
    if (
      current.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION] === id &&
      rolloutState(current).state === "READY"
    )
      return;
    const rs = (await this.replicaSets()).find(
      (r) => r.spec?.template?.metadata?.annotations?.[BUILD_ANNOTATION] === id,
    );
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

  /** Patches a ConfigMap key with a merge patch (idempotent: the same value is no change). */
  async patchConfigMap(name: string, data: Record<string, string>): Promise<void> {
    await this.call(`patch configmap ${this.opts.namespace}/${name}`, () =>
      this.core.patchNamespacedConfigMap(
        { name, namespace: this.opts.namespace, body: { data } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    );
  }
}
