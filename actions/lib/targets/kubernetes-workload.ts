import {
  type ApiException,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Deployment,
  type V1ReplicaSet,
  type V1Service,
} from "@kubernetes/client-node";
import { CheckFailedError, errorMessage, InputError, PlatformError } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import {
  backoffDelay,
  defaultRetryPolicy,
  type FailureVerdict,
  parseRetryAfter,
  type RetryPolicy,
  withRetry,
} from "../retry.ts";
import type { ReadyState } from "./target.ts";

export const REVISION = "deployment.kubernetes.io/revision";
const RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

/** A ConfigMap or a Secret the app's pods may take values from. */
export type ConfigSource = { configMap: string } | { secret: string };

/** The Deployment's containers take values from the source at start, through env or envFrom. */
export function readsFrom(d: V1Deployment, source: ConfigSource): boolean {
  return (d.spec?.template?.spec?.containers ?? []).some((c) =>
    "configMap" in source
      ? (c.env ?? []).some((e) => e.valueFrom?.configMapKeyRef?.name === source.configMap) ||
        (c.envFrom ?? []).some((e) => e.configMapRef?.name === source.configMap)
      : (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef?.name === source.secret) ||
        (c.envFrom ?? []).some((e) => e.secretRef?.name === source.secret),
  );
}

/** Where a workload lives on a cluster, and how garde reaches it. */
export interface WorkloadOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The production Deployment (api-server). */
  deployment: string;
  clock: Clock;
  reporter: Reporter;
  /** How long a rollout may take. */
  rolloutTimeoutMs?: number | undefined;
  /** Retries of transient failures (429, 5xx, a dropped connection, a garbled answer). */
  retry?: RetryPolicy | undefined;
}

export const isApiException = (err: unknown): err is ApiException<unknown> =>
  typeof (err as { code?: unknown })?.code === "number" && "body" in (err as object);

/** The API's Status message (the body is a Status object, or its JSON text), prefixed by a space. */
function statusMessage(body: unknown): string {
  let status = body;
  if (typeof body === "string") {
    try {
      status = JSON.parse(body);
    } catch {
      return "";
    }
  }
  const message = (status as { message?: unknown } | null)?.message;
  return typeof message === "string" ? ` ${message.slice(0, 300)}` : "";
}

/**
 * Whether a failed Kubernetes call may succeed if sent again: 429 and 5xx (honouring
 * Retry-After), a dropped connection, or an answer that is not the JSON it should be (a proxy's
 * error page, a cut body). 4xx are final. Never quotes more than the API's own status message.
 */
export function classifyKubernetesFailure(err: unknown, now: number): FailureVerdict {
  if (isApiException(err)) {
    const message = statusMessage(err.body);
    const headers = (err.headers ?? {}) as Record<string, string | undefined>;
    return {
      retryable: err.code === 429 || err.code >= 500,
      status: err.code,
      retryAfterMs: parseRetryAfter(headers["retry-after"], now),
      detail: `HTTP ${err.code}${message}`,
    };
  }
  if (err instanceof SyntaxError) {
    return { retryable: true, detail: "the Kubernetes API answered malformed JSON" };
  }
  const text = errorMessage(err);
  return {
    retryable: /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|fetch failed|other side closed/i.test(text),
    detail: text,
  };
}

/** A LoadBalancer Service's address, as its status gives it. */
export function urlOf(service: V1Service): string | null {
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
 * One Deployment and what surrounds it, through @kubernetes/client-node: reads that name what is
 * missing, read-modify-write retried on 409, and the wait for a rollout. The deploy target and the
 * runbook's switches (maintenance, rate limit, traffic) both work through it.
 */
export class KubernetesWorkload {
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  readonly opts: WorkloadOptions;

  constructor(opts: WorkloadOptions) {
    this.opts = opts;
    this.apps = opts.kubeConfig.makeApiClient(AppsV1Api);
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
  }

  get namespace(): string {
    return this.opts.namespace;
  }

  where(name = this.opts.deployment): string {
    return `deployment ${this.opts.namespace}/${name}`;
  }

  /** Sends a request, again while the failure is transient; throws a PlatformError naming it. */
  private send<T>(what: string, send: () => Promise<T>): Promise<T> {
    return withRetry(what, send, (err) => classifyKubernetesFailure(err, this.opts.clock.now()), {
      policy: this.opts.retry ?? defaultRetryPolicy,
      clock: this.opts.clock,
      reporter: this.opts.reporter,
    });
  }

  /** Sends a request; a 404 names the missing namespace or object as bad input (exit 2). */
  async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await this.send(what, send);
    } catch (err) {
      if (PlatformError.is(err) && err.status === 404) {
        const namespace = await this.readIfExists(`read namespace ${this.opts.namespace}`, () =>
          this.core.readNamespace({ name: this.opts.namespace }),
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
      throw err;
    }
  }

  /**
   * An object that may be absent: null on 404 only. Any other failure (an outage, a 403) is an
   * error, never "absent": reading it as absent would create a duplicate or name the wrong fix.
   */
  async readIfExists<T>(what: string, read: () => Promise<T>): Promise<T | null> {
    try {
      return await this.send(what, read);
    } catch (err) {
      if (PlatformError.is(err) && err.status === 404) return null;
      throw err;
    }
  }

  readDeployment(name = this.opts.deployment): Promise<V1Deployment> {
    return this.call(`read deployment ${this.opts.namespace}/${name}`, () =>
      this.apps.readNamespacedDeployment({ name, namespace: this.opts.namespace }),
    );
  }

  /**
   * Read, change, write back with the resourceVersion read: a concurrent writer makes the API
   * answer 409, and the change is made again on a fresh read (as client-go's RetryOnConflict).
   * `change` returns false when there is nothing to change: then nothing is written.
   */
  async update(
    name: string,
    change: (d: V1Deployment) => boolean | undefined,
  ): Promise<{ deployment: V1Deployment; changed: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.readDeployment(name);
      if (change(current) === false) return { deployment: current, changed: false };
      try {
        const written = await this.apps.replaceNamespacedDeployment({
          name,
          namespace: this.opts.namespace,
          body: current,
        });
        return { deployment: written, changed: true };
      } catch (err) {
        const what = `update deployment ${this.opts.namespace}/${name}`;
        if (isApiException(err) && err.code === 409 && attempt < 5) {
          this.opts.reporter.info(
            `Deployment ${name} changed while garde wrote it (409 Conflict); reading it again`,
          );
          continue;
        }
        // A write whose answer was lost may have landed: read again and write only what is missing.
        const verdict = classifyKubernetesFailure(err, this.opts.clock.now());
        const policy = this.opts.retry ?? defaultRetryPolicy;
        if (verdict.retryable && attempt < policy.maxAttempts) {
          this.opts.reporter.warn(`${what}: ${verdict.detail}; reading it again`);
          await this.opts.clock.sleep(backoffDelay(attempt, policy, Math.random, verdict.retryAfterMs));
          continue;
        }
        throw new PlatformError(what, verdict.detail, { status: verdict.status, attempts: attempt });
      }
    }
  }

  /** Waits until the Deployment has rolled out `generation`, reporting progress; fails past the deadline. */
  async waitRollout(generation: number, name = this.opts.deployment): Promise<void> {
    const timeoutMs = this.opts.rolloutTimeoutMs ?? 600_000;
    const deadline = this.opts.clock.now() + timeoutMs;
    let last = "";
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      const d = await this.readDeployment(name);
      const { state, message } = rolloutState(d);
      const s = d.status ?? {};
      const progress = `${s.updatedReplicas ?? 0}/${d.spec?.replicas ?? 1} updated, ${s.availableReplicas ?? 0} available`;
      if (progress !== last) this.opts.reporter.info(`Rollout of ${this.where(name)}: ${progress}`);
      last = progress;
      if ((s.observedGeneration ?? 0) >= generation && state === "READY") return;
      if (state === "ERROR") throw new CheckFailedError(`Rollout of ${this.where(name)} failed: ${message}`);
      if (this.opts.clock.now() >= deadline) {
        throw new CheckFailedError(
          `Rollout of ${this.where(name)} did not finish in ${Math.round(timeoutMs / 1000)} s (${progress})`,
        );
      }
      await this.opts.clock.sleep(delay);
    }
  }

  /**
   * `kubectl rollout restart`, for pods that read the source only at start: a new restartedAt on
   * the pod template, then the wait for the rollout. False when the Deployment does not read it.
   */
  async restartReaders(source: ConfigSource): Promise<boolean> {
    const { deployment, changed } = await this.update(this.opts.deployment, (d) => {
      if (!readsFrom(d, source)) return false;
      const template = d.spec?.template ?? {};
      template.metadata = {
        ...template.metadata,
        annotations: {
          ...template.metadata?.annotations,
          [RESTARTED_AT]: new Date(this.opts.clock.now()).toISOString(),
        },
      };
      return true;
    });
    if (changed) await this.waitRollout(deployment.metadata?.generation ?? 0);
    return changed;
  }

  /** The Deployment's ReplicaSets, newest revision first (read it first unless given). */
  async replicaSets(deployment?: V1Deployment): Promise<V1ReplicaSet[]> {
    const production = deployment ?? (await this.readDeployment());
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

  async readService(name: string): Promise<V1Service> {
    return this.call(`read service ${this.opts.namespace}/${name}`, () =>
      this.core.readNamespacedService({ name, namespace: this.opts.namespace }),
    );
  }

  async serviceUrl(name: string): Promise<string> {
    return urlOf(await this.readService(name)) ?? "";
  }
}
