import { createHash, randomBytes } from "node:crypto";
import { request, type Server } from "node:http";
import { type AppServingContext, type ServedBuild, serveDeployment } from "../app-server.ts";
import { closeServer, listenLocal } from "../http-server.ts";
import type { SampleApp } from "../sample-app.ts";
import { type ResourceType, resourceByPlural } from "./resources.ts";
import type { KObject, NewObject, ObjectStore, WatchEvent } from "./store.ts";

const T = {
  deployments: resourceByPlural("apps", "deployments") as ResourceType,
  replicasets: resourceByPlural("apps", "replicasets") as ResourceType,
  pods: resourceByPlural("", "pods") as ResourceType,
  services: resourceByPlural("", "services") as ResourceType,
  configmaps: resourceByPlural("", "configmaps") as ResourceType,
  secrets: resourceByPlural("", "secrets") as ResourceType,
};

export const REVISION = "deployment.kubernetes.io/revision";
export const CHANGE_CAUSE = "kubernetes.io/change-cause";
/** Where a pod of the sandbox really answers (pods share 127.0.0.1, each on its own port). */
export const POD_URL = "sandbox.garde.dev/url";

interface RunningPod {
  build: ServedBuild;
  server: Server;
  url: string;
}

export interface ControllerOptions {
  app: SampleApp;
  /** Time a pod takes from scheduled to ready. */
  podStartMs?: number;
}

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === null ||
  (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);

/**
 * JSON with sorted keys, without nulls and empty objects: a template kubectl read back and sent
 * again (Go adds `creationTimestamp: null`, `resources: {}`) hashes as the one first sent.
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => !isEmpty(v))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const templateHash = (template: unknown) =>
  createHash("sha256").update(canonical(template)).digest("hex").slice(0, 10);

const ownedBy = (o: KObject, owner: KObject) =>
  o.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid);

const revisionOf = (o: KObject) => Number(o.metadata.annotations?.[REVISION] ?? 0);

function matchesLabels(
  labels: Record<string, string> | undefined,
  selector: Record<string, string> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

const isReady = (pod: KObject) =>
  (pod.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
  );

/**
 * The controllers a cluster runs for these kinds, in one loop: Deployments make ReplicaSets (one
 * per pod template, revisions as annotations, old ones scaled down once the new one is ready,
 * ProgressDeadlineExceeded when it never is), ReplicaSets make Pods, Pods really serve the
 * sample app at their image's commit on a local port, Services forward to their ready pods.
 */
export class ClusterController {
  private readonly pods = new Map<string, RunningPod>();
  private readonly services = new Map<string, { server: Server; port: number; next: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** When each deployment's current template began rolling out (by uid). */
  private readonly progressSince = new Map<string, { hash: string; at: number }>();
  private readonly queue = new Set<string>();
  private running = false;
  private stopped = false;
  private readonly podStartMs: number;
  private readonly onChange = (type: ResourceType, event: WatchEvent) => this.enqueue(type, event.object);

  constructor(
    private readonly store: ObjectStore,
    private readonly opts: ControllerOptions,
  ) {
    this.podStartMs = opts.podStartMs ?? 150;
    store.changes.on("change", this.onChange);
    // Progress deadlines pass without any write: look again now and then.
    const tick = setInterval(() => {
      for (const d of store.list(T.deployments)) this.enqueue(T.deployments, d);
    }, 250);
    this.timers.add(tick);
  }

  private enqueue(type: ResourceType, o: KObject): void {
    if (this.stopped) return;
    this.queue.add(
      `${type.plural}|${o.metadata.namespace ?? ""}|${o.metadata.name}|${o.metadata.ownerReferences?.[0]?.name ?? ""}`,
    );
    if (!this.running) setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.size && !this.stopped) {
        const [key] = this.queue;
        this.queue.delete(key as string);
        const [plural = "", namespace = "", name = "", owner = ""] = (key as string).split("|");
        await this.reconcile(plural, namespace, name, owner);
      }
    } finally {
      this.running = false;
    }
  }

  private async reconcile(plural: string, namespace: string, name: string, owner: string): Promise<void> {
    if (plural === "deployments") {
      const d = this.store.get(T.deployments, namespace, name);
      if (d) this.reconcileDeployment(d);
    } else if (plural === "replicasets") {
      const rs = this.store.get(T.replicasets, namespace, name);
      if (rs) await this.reconcileReplicaSet(rs);
      else if (owner) this.enqueueByName(T.deployments, namespace, owner);
    } else if (plural === "pods") {
      if (owner) this.enqueueByName(T.replicasets, namespace, owner);
      if (!this.store.get(T.pods, namespace, name)) await this.stopPod(namespace, name);
    } else if (plural === "services") {
      const svc = this.store.get(T.services, namespace, name);
      if (svc) await this.ensureServiceProxy(svc);
    }
  }

  private enqueueByName(type: ResourceType, namespace: string, name: string): void {
    const o = this.store.get(type, namespace, name);
    if (o) this.enqueue(type, o);
  }

  private reconcileDeployment(deployment: KObject): void {
    let d = deployment;
    const namespace = d.metadata.namespace as string;
    const desired = d.spec?.replicas ?? 1;
    const template = d.spec?.template ?? {};
    const hash = templateHash(template);
    const owned = this.store.list(T.replicasets, namespace).filter((rs) => ownedBy(rs, d));
    let current = owned.find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
    const maxRevision = Math.max(0, ...owned.map(revisionOf));
    const cause = d.metadata.annotations?.[CHANGE_CAUSE];
    if (!d.spec?.paused) {
      if (!current) {
        current = this.store.create(
          T.replicasets,
          namespace,
          replicaSetOf(d, { template, hash, replicas: desired, revision: maxRevision + 1, cause }),
        );
      } else if (revisionOf(current) < maxRevision || current.spec.replicas !== desired) {
        // Going back to an earlier template (rollout undo) makes its ReplicaSet the newest revision.
        const annotations = { ...current.metadata.annotations };
        if (revisionOf(current) < maxRevision) {
          annotations[REVISION] = String(maxRevision + 1);
          if (cause) annotations[CHANGE_CAUSE] = cause;
        }
        current = this.store.replace(T.replicasets, namespace, current.metadata.name, {
          ...current,
          metadata: { ...current.metadata, annotations, resourceVersion: "" },
          spec: { ...current.spec, replicas: desired },
        });
      }
    }
    const since = this.progressSince.get(d.metadata.uid);
    if (!since || since.hash !== hash) this.progressSince.set(d.metadata.uid, { hash, at: Date.now() });
    const newReady = current?.status?.readyReplicas ?? 0;
    const complete = !!current && newReady >= desired;
    if (complete && !d.spec?.paused) {
      for (const old of owned) {
        if (old.metadata.name !== current?.metadata.name && (old.spec?.replicas ?? 0) > 0) {
          this.store.replace(T.replicasets, namespace, old.metadata.name, {
            ...old,
            metadata: { ...old.metadata, resourceVersion: "" },
            spec: { ...old.spec, replicas: 0 },
          });
        }
      }
    }
    // The Deployment carries its current revision too (kubectl rollout undo patches from there).
    const revision = current ? String(revisionOf(current)) : undefined;
    if (revision && d.metadata.annotations?.[REVISION] !== revision) {
      d = this.store.replace(T.deployments, namespace, d.metadata.name, {
        ...d,
        metadata: {
          ...d.metadata,
          annotations: { ...d.metadata.annotations, [REVISION]: revision },
          resourceVersion: "",
        },
      });
    }
    this.writeDeploymentStatus(d, current, complete);
  }

  private writeDeploymentStatus(d: KObject, current: KObject | undefined, complete: boolean): void {
    const namespace = d.metadata.namespace as string;
    const rss = this.store.list(T.replicasets, namespace).filter((rs) => ownedBy(rs, d));
    const sum = (f: (rs: KObject) => number) => rss.reduce((n, rs) => n + f(rs), 0);
    const desired = d.spec?.replicas ?? 1;
    const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
    const replicas = sum((rs) => rs.status?.replicas ?? 0);
    const deadline = (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    const since = this.progressSince.get(d.metadata.uid)?.at ?? Date.now();
    const previous = (d.status?.conditions ?? []) as { type: string; status: string; reason: string }[];
    const wasExceeded = previous.some(
      (c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded",
    );
    const progressing = d.spec?.paused
      ? { status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" }
      : complete
        ? {
            status: "True",
            reason: "NewReplicaSetAvailable",
            message: `ReplicaSet "${current?.metadata.name}" has successfully progressed.`,
          }
        : wasExceeded || Date.now() - since > deadline
          ? {
              status: "False",
              reason: "ProgressDeadlineExceeded",
              message: `ReplicaSet "${current?.metadata.name}" has timed out progressing.`,
            }
          : {
              status: "True",
              reason: "ReplicaSetUpdated",
              message: `ReplicaSet "${current?.metadata.name}" is progressing.`,
            };
    const maxUnavailable = Math.floor(desired * 0.25);
    const available = ready >= desired - maxUnavailable;
    const condition = (type: string, c: { status: string; reason: string; message: string }) => {
      const old = previous.find((p) => p.type === type) as (typeof previous)[number] & {
        lastTransitionTime?: string;
      };
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const transitioned = !old || old.status !== c.status;
      return {
        type,
        ...c,
        lastUpdateTime:
          old && old.reason === c.reason ? ((old as { lastUpdateTime?: string }).lastUpdateTime ?? now) : now,
        lastTransitionTime: transitioned ? now : (old.lastTransitionTime ?? now),
      };
    };
    const status = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: current?.status?.replicas ?? 0,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(replicas - ready > 0 ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [
        condition(
          "Available",
          available
            ? {
                status: "True",
                reason: "MinimumReplicasAvailable",
                message: "Deployment has minimum availability.",
              }
            : {
                status: "False",
                reason: "MinimumReplicasUnavailable",
                message: "Deployment does not have minimum availability.",
              },
        ),
        condition("Progressing", progressing),
      ],
    };
    const comparable = (s: unknown) =>
      JSON.stringify(s, (k, v) => (k === "lastUpdateTime" || k === "lastTransitionTime" ? undefined : v));
    if (comparable(status) === comparable(d.status)) return;
    this.store.replace(T.deployments, namespace, d.metadata.name, { ...d, status }, { status: true });
  }

  private async reconcileReplicaSet(rs: KObject): Promise<void> {
    const namespace = rs.metadata.namespace as string;
    const pods = this.store.list(T.pods, namespace).filter((p) => ownedBy(p, rs));
    const desired = rs.spec?.replicas ?? 0;
    for (let i = pods.length; i < desired; i++) this.createPod(rs);
    for (const extra of pods.slice(desired)) {
      this.store.delete(T.pods, namespace, extra.metadata.name);
      await this.stopPod(namespace, extra.metadata.name);
    }
    const live = this.store.list(T.pods, namespace).filter((p) => ownedBy(p, rs));
    const ready = live.filter(isReady).length;
    const status = {
      replicas: live.length,
      fullyLabeledReplicas: live.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) {
      this.store.replace(T.replicasets, namespace, rs.metadata.name, { ...rs, status }, { status: true });
    }
    const owner = rs.metadata.ownerReferences?.[0]?.name;
    if (owner) this.enqueueByName(T.deployments, namespace, owner);
  }

  /** The commit an image stands for: REGISTRY/app:TAG, TAG a commit of the sample app. */
  private commitOf(image: string): string | undefined {
    const tag = /:([^:/@]+)$/.exec(image)?.[1];
    return tag ? this.opts.app.resolveRef(tag) : undefined;
  }

  /** The container's variables, values from ConfigMaps and Secrets read once, at start. */
  private envOf(namespace: string, container: { env?: unknown[] }): Record<string, string> {
    const env: Record<string, string> = {};
    for (const raw of (container.env ?? []) as {
      name: string;
      value?: string;
      valueFrom?: {
        configMapKeyRef?: { name: string; key: string };
        secretKeyRef?: { name: string; key: string };
      };
    }[]) {
      if (raw.value !== undefined) env[raw.name] = raw.value;
      const cm = raw.valueFrom?.configMapKeyRef;
      if (cm) {
        const v = this.store.get(T.configmaps, namespace, cm.name)?.data?.[cm.key];
        if (v !== undefined) env[raw.name] = v;
      }
      const secret = raw.valueFrom?.secretKeyRef;
      if (secret) {
        const v = this.store.get(T.secrets, namespace, secret.name)?.data?.[secret.key];
        if (v !== undefined) env[raw.name] = Buffer.from(v, "base64").toString("utf8");
      }
    }
    return env;
  }

  private createPod(rs: KObject): void {
    const namespace = rs.metadata.namespace as string;
    const template = rs.spec?.template ?? {};
    const name = `${rs.metadata.name}-${randomBytes(3).toString("hex").slice(0, 5)}`;
    this.store.create(T.pods, namespace, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        labels: { ...template.metadata?.labels },
        annotations: { ...template.metadata?.annotations },
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: rs.metadata.name,
            uid: rs.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: { ...template.spec, nodeName: "garde-sandbox" },
      status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] },
    });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.startPod(namespace, name);
    }, this.podStartMs);
    this.timers.add(timer);
  }

  private async startPod(namespace: string, name: string): Promise<void> {
    const pod = this.store.get(T.pods, namespace, name);
    if (!pod || this.stopped) return;
    const container = (pod.spec?.containers ?? [])[0] ?? { name: "app", image: "" };
    const commit = this.commitOf(container.image ?? "");
    const containerStatus = (ready: boolean, state: object) => ({
      name: container.name,
      image: container.image,
      imageID: commit ? `sandbox://${commit}` : "",
      ready,
      started: ready,
      restartCount: 0,
      state,
    });
    if (!commit) {
      this.markImagePullBackOff(pod, container.image, containerStatus);
      return;
    }
    const build: ServedBuild = {
      id: name,
      readyState: "READY",
      files: this.opts.app.readTree(commit),
      routes: this.opts.app.readRoutes(commit),
      env: this.envOf(namespace, container),
      appFaults: new Map(),
    };
    const ctx: AppServingContext = { isLive: () => true, later: (ms, fn) => setTimeout(fn, ms) };
    const { server, url } = await listenLocal((req, res) => serveDeployment(build, req, res, ctx));
    if (this.stopped || !this.store.get(T.pods, namespace, name)) {
      await closeServer(server);
      return;
    }
    this.pods.set(`${namespace}/${name}`, { build, server, url });
    const latest = this.store.get(T.pods, namespace, name) as KObject;
    const healthy = build.files.has("/index.html");
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const annotated = this.store.replace(T.pods, namespace, name, {
      ...latest,
      metadata: { ...latest.metadata, annotations: { ...latest.metadata.annotations, [POD_URL]: url } },
    });
    this.store.replace(
      T.pods,
      namespace,
      name,
      {
        ...annotated,
        status: {
          phase: "Running",
          podIP: "127.0.0.1",
          hostIP: "127.0.0.1",
          startTime: now,
          conditions: [
            { type: "PodScheduled", status: "True" },
            { type: "Ready", status: healthy ? "True" : "False" },
            { type: "ContainersReady", status: healthy ? "True" : "False" },
          ],
          containerStatuses: [containerStatus(healthy, { running: { startedAt: now } })],
        },
      },
      { status: true },
    );
  }

  /** A pod whose image names no commit of the sample app waits, as a kubelet that cannot pull it. */
  private markImagePullBackOff(
    pod: KObject,
    image: string | undefined,
    containerStatus: (ready: boolean, state: object) => object,
  ): void {
    this.store.replace(
      T.pods,
      pod.metadata.namespace as string,
      pod.metadata.name,
      {
        ...pod,
        status: {
          phase: "Pending",
          conditions: [
            { type: "PodScheduled", status: "True" },
            { type: "Ready", status: "False" },
          ],
          containerStatuses: [
            containerStatus(false, {
              waiting: {
                reason: "ImagePullBackOff",
                message: `Back-off pulling image "${image}": no commit of the sample app is tagged so`,
              },
            }),
          ],
        },
      },
      { status: true },
    );
  }

  private async stopPod(namespace: string, name: string): Promise<void> {
    const running = this.pods.get(`${namespace}/${name}`);
    if (!running) return;
    this.pods.delete(`${namespace}/${name}`);
    await closeServer(running.server);
  }

  /** The pod's faults, as tests inject them (a 500 on a path). */
  podBuild(namespace: string, name: string): ServedBuild | undefined {
    return this.pods.get(`${namespace}/${name}`)?.build;
  }

  /** A LoadBalancer Service answers on its own port and forwards to a ready pod its selector matches. */
  private async ensureServiceProxy(svc: KObject): Promise<void> {
    const key = svc.metadata.uid;
    if (this.services.has(key)) return;
    const namespace = svc.metadata.namespace as string;
    const name = svc.metadata.name;
    const entry = { server: undefined as unknown as Server, port: 0, next: 0 };
    this.services.set(key, entry);
    const { server, url } = await listenLocal((req, res) => {
      const current = this.store.get(T.services, namespace, name);
      const ready = this.store
        .list(T.pods, namespace)
        .filter((p) => isReady(p) && matchesLabels(p.metadata.labels, current?.spec?.selector))
        .map((p) => this.pods.get(`${namespace}/${p.metadata.name}`))
        .filter((p): p is RunningPod => !!p);
      const target = ready[entry.next++ % Math.max(ready.length, 1)];
      if (!target) {
        res.writeHead(503, { "content-type": "text/plain" });
        res.end(`no ready endpoints for service ${namespace}/${name}\n`);
        return;
      }
      const upstream = request(
        `${target.url}${req.url ?? "/"}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
    entry.server = server;
    entry.port = Number(new URL(url).port);
    const latest = this.store.get(T.services, namespace, name);
    if (!latest) return;
    this.store.replace(
      T.services,
      namespace,
      name,
      {
        ...latest,
        status: {
          loadBalancer: { ingress: [{ ip: "127.0.0.1", ports: [{ port: entry.port, protocol: "TCP" }] }] },
        },
      },
      { status: true },
    );
  }

  /** The URL a Service answers on, once its proxy is up. */
  serviceUrl(namespace: string, name: string): string | undefined {
    const svc = this.store.get(T.services, namespace, name);
    const port = svc?.status?.loadBalancer?.ingress?.[0]?.ports?.[0]?.port;
    return port ? `http://127.0.0.1:${port}` : undefined;
  }

  /** The Service's URL once its proxy listens (its status is written right after). */
  async waitForServiceUrl(namespace: string, name: string, timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const url = this.serviceUrl(namespace, name);
      if (url) return url;
      if (Date.now() > deadline)
        throw new Error(`service ${namespace}/${name} got no address in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.store.changes.off("change", this.onChange);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.pods.values()].map((p) => closeServer(p.server)));
    await Promise.all([...this.services.values()].map((s) => closeServer(s.server)));
    this.pods.clear();
    this.services.clear();
  }
}

/** The ReplicaSet a Deployment's controller makes for a new template: labelled by its hash, owned, the next revision. */
function replicaSetOf(
  d: KObject,
  {
    template,
    hash,
    replicas,
    revision,
    cause,
  }: {
    // biome-ignore lint/suspicious/noExplicitAny: a pod template is a JSON document, as KObject's spec is
    template: any;
    hash: string;
    replicas: number;
    revision: number;
    cause: string | undefined;
  },
): NewObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      labels: { ...template.metadata?.labels, "pod-template-hash": hash },
      annotations: { [REVISION]: String(revision), ...(cause ? { [CHANGE_CAUSE]: cause } : {}) },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: d.metadata.name,
          uid: d.metadata.uid,
          controller: true,
        },
      ],
    },
    spec: {
      replicas,
      selector: { matchLabels: { ...d.spec?.selector?.matchLabels, "pod-template-hash": hash } },
      template: {
        ...template,
        metadata: {
          ...template.metadata,
          labels: { ...template.metadata?.labels, "pod-template-hash": hash },
        },
      },
    },
  };
}
