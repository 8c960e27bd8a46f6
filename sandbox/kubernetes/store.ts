import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { apiVersionOf, type ResourceType } from "./resources.ts";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [key: string]: unknown;
}

/** Any object the cluster keeps; kinds add spec, status, data. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // biome-ignore lint/suspicious/noExplicitAny: objects are JSON documents of many kinds
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  status?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

/** What a client sends to create an object: the server fills uid, resourceVersion and the rest. */
export type NewObject = Omit<KObject, "metadata"> & { metadata: Partial<ObjectMeta> & { name: string } };

export type WatchEvent = { type: "ADDED" | "MODIFIED" | "DELETED"; object: KObject };

/** Why a write was refused, as the API server says it (a Status object). */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * The cluster's state, as etcd behind the API server: one resourceVersion sequence for every
 * object, generation bumped on spec changes, optimistic concurrency on writes that carry a
 * resourceVersion (409 Conflict when stale), and a stream of changes for watches.
 */
export class ObjectStore {
  private readonly objects = new Map<string, KObject>();
  private version = 1000;
  readonly changes = new EventEmitter<{ change: [ResourceType, WatchEvent] }>();
  /** Recent changes, so a watch from a resourceVersion misses nothing written since (etcd's window). */
  private readonly history: { type: ResourceType; event: WatchEvent }[] = [];

  constructor() {
    this.changes.setMaxListeners(0);
    this.changes.on("change", (type, event) => {
      this.history.push({ type, event });
      if (this.history.length > 5000) this.history.shift();
    });
  }

  /** The changes to objects of this type after resourceVersion `since`, oldest first. */
  changesSince(type: ResourceType, since: number): WatchEvent[] {
    return this.history
      .filter((h) => h.type === type && Number(h.event.object.metadata.resourceVersion) > since)
      .map((h) => structuredClone(h.event));
  }

  get resourceVersion(): string {
    return String(this.version);
  }

  private key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.group}/${type.plural}/${type.namespaced ? (namespace ?? "") : ""}/${name}`;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const found = this.objects.get(this.key(type, namespace, name));
    return found && clone(found);
  }

  list(type: ResourceType, namespace?: string): KObject[] {
    return [...this.objects.values()]
      .filter((o) => o.kind === type.kind && o.apiVersion === apiVersionOf(type))
      .filter((o) => !type.namespaced || !namespace || o.metadata.namespace === namespace)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .map(clone);
  }

  private bump(): string {
    this.version += 1;
    return String(this.version);
  }

  create(type: ResourceType, namespace: string | undefined, body: NewObject): KObject {
    const name = body.metadata?.name ?? "";
    if (!name)
      throw new ApiError(
        422,
        "Invalid",
        `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    const key = this.key(type, namespace, name);
    if (this.objects.has(key)) {
      throw new ApiError(
        409,
        "AlreadyExists",
        `${type.plural}${type.group ? `.${type.group}` : ""} "${name}" already exists`,
      );
    }
    const object: KObject = {
      ...clone(body),
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: {
        ...clone(body.metadata),
        name,
        ...(type.namespaced ? { namespace } : {}),
        uid: randomUUID(),
        resourceVersion: this.bump(),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        ...(body.spec !== undefined ? { generation: 1 } : {}),
      },
    };
    this.objects.set(key, object);
    this.changes.emit("change", type, { type: "ADDED", object: clone(object) });
    return clone(object);
  }

  /**
   * Replaces an object. A resourceVersion in the new object must match the stored one (the
   * optimistic lock every client's read-modify-write relies on); an empty one writes anyway.
   */
  replace(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    next: KObject,
    opts: { status?: boolean } = {},
  ): KObject {
    const key = this.key(type, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw notFound(type, name);
    const wanted = next.metadata?.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${type.plural}${type.group ? `.${type.group}` : ""} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    // A write to the main resource keeps the status; one to /status keeps everything else.
    const merged: KObject = opts.status
      ? { ...clone(current), status: clone(next.status) }
      : { ...clone(next), status: clone(current.status) };
    const specChanged = !opts.status && JSON.stringify(current.spec) !== JSON.stringify(next.spec);
    merged.apiVersion = current.apiVersion;
    merged.kind = current.kind;
    merged.metadata = {
      ...(opts.status ? current.metadata : clone(next.metadata)),
      name,
      ...(type.namespaced ? { namespace } : {}),
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      resourceVersion: this.bump(),
      ...(current.metadata.generation !== undefined
        ? { generation: current.metadata.generation + (specChanged ? 1 : 0) }
        : {}),
    };
    if (merged.status === undefined) delete merged.status;
    this.objects.set(key, merged);
    this.changes.emit("change", type, { type: "MODIFIED", object: clone(merged) });
    return clone(merged);
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): KObject {
    const key = this.key(type, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw notFound(type, name);
    this.objects.delete(key);
    const gone = { ...current, metadata: { ...current.metadata, resourceVersion: this.bump() } };
    this.changes.emit("change", type, { type: "DELETED", object: clone(gone) });
    return clone(gone);
  }
}

export function notFound(type: ResourceType, name: string): ApiError {
  return new ApiError(
    404,
    "NotFound",
    `${type.plural}${type.group ? `.${type.group}` : ""} "${name}" not found`,
  );
}
