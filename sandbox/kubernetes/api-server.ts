import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { closeServer, type ListenOptions, listenLocal } from "../http-server.ts";
import { applyPatch } from "./patch.ts";
import {
  API_GROUP_LIST,
  API_VERSIONS,
  apiVersionOf,
  type ResourceType,
  resourceByPlural,
  resourceList,
  VERSION_INFO,
} from "./resources.ts";
import {
  ApiError,
  type KObject,
  type NewObject,
  notFound,
  type ObjectStore,
  type WatchEvent,
} from "./store.ts";
import { tableOf } from "./tables.ts";

/** A request resolved against the API's paths. */
interface Target {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

function statusBody(err: ApiError, type?: ResourceType, name?: string) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: err.message,
    reason: err.reason,
    ...(type
      ? {
          details: {
            ...(name ? { name } : {}),
            ...(type.group ? { group: type.group } : {}),
            kind: type.plural,
          },
        }
      : {}),
    code: err.code,
  };
}

/** `a=b,c!=d` label selectors and `metadata.name=x` field selectors, the forms clients send. */
function matchesSelectors(o: KObject, q: URLSearchParams): boolean {
  const labels = o.metadata.labels ?? {};
  for (const term of (q.get("labelSelector") ?? "").split(",").filter(Boolean)) {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term.trim());
    if (!m) {
      if (!(term.trim() in labels)) return false;
      continue;
    }
    const [, key = "", op, value] = m;
    if (op === "!=" ? labels[key] === value : labels[key] !== value) return false;
  }
  for (const term of (q.get("fieldSelector") ?? "").split(",").filter(Boolean)) {
    const [key, value] = term.split("=");
    const actual =
      key === "metadata.name"
        ? o.metadata.name
        : key === "metadata.namespace"
          ? o.metadata.namespace
          : undefined;
    if (actual !== value) return false;
  }
  return true;
}

/**
 * The Kubernetes API server's HTTP face for the emulated kinds: legacy discovery, get, list
 * (selectors), watch (a stream of newline-delimited events), create, replace with optimistic
 * concurrency, the three patch types checked by Content-Type, delete, and status subresources.
 * Tables (as kubectl asks for them) for the kinds kubectl prints.
 */
export class KubernetesApiServer {
  private server: Server | undefined;
  private readonly watches = new Set<ServerResponse>();
  /** Writes another client makes right after a read of a path: how tests race garde. */
  private readonly races: { path: string; reads: number; write: () => void }[] = [];
  /** Answers the next matching requests get instead of the real one: an outage, as tests make it. */
  private readonly faults: { method: string; path: string; status: number; times: number; raw?: string }[] =
    [];
  url = "";

  /**
   * The next `times` requests of `method` on exactly `path` are answered `status` (503: an outage),
   * with `raw` as the body when given (a proxy's HTML page, a cut answer) instead of a Status.
   */
  failNext(method: string, path: string, status = 503, times = 1, raw?: string): void {
    this.faults.push({ method, path, status, times, ...(raw === undefined ? {} : { raw }) });
  }

  constructor(
    private readonly store: ObjectStore,
    private readonly token: string,
  ) {}

  async start(opts: ListenOptions = {}): Promise<string> {
    const { server, url } = await listenLocal((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const apiError = err instanceof ApiError ? err : new ApiError(500, "InternalError", String(err));
        if (!res.headersSent) this.send(res, apiError.code, statusBody(apiError));
        else res.end();
      });
    }, opts);
    this.server = server;
    this.url = url;
    return url;
  }

  /** After the `reads`-th next GET of `path` is answered, `write` runs as a concurrent client's change would. */
  raceRead(path: string, reads: number, write: () => void): void {
    this.races.push({ path, reads, write });
  }

  async stop(): Promise<void> {
    for (const res of this.watches) res.end();
    this.watches.clear();
    await closeServer(this.server);
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-cache, private" });
    res.end(JSON.stringify(body));
  }

  private async readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(
        400,
        "BadRequest",
        "the request body is not valid JSON (this emulator does not read protobuf or YAML)",
      );
    }
  }

  private route(path: string): Target | "discovery" | undefined {
    const m = /^\/(api\/v1|apis\/apps\/v1)(?:\/(.*))?$/.exec(path);
    if (!m) return undefined;
    const group = m[1] === "api/v1" ? "" : "apps";
    const parts = (m[2] ?? "").split("/").filter(Boolean).map(decodeURIComponent);
    if (parts.length === 0) return "discovery";
    const namespaces = resourceByPlural("", "namespaces") as ResourceType;
    if (parts[0] === "namespaces" && parts.length >= 3) {
      const type = resourceByPlural(group, parts[2] ?? "");
      if (!type) return undefined;
      return { type, namespace: parts[1], name: parts[3], subresource: parts[4] };
    }
    if (group === "" && parts[0] === "namespaces") {
      return { type: namespaces, namespace: undefined, name: parts[1], subresource: undefined };
    }
    const type = resourceByPlural(group, parts[0] ?? "");
    if (!type) return undefined;
    return {
      type,
      namespace: undefined,
      name: type.namespaced ? undefined : parts[1],
      subresource: undefined,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/\/$/, "");
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.send(res, 401, statusBody(new ApiError(401, "Unauthorized", "Unauthorized")));
    }
    const fault = this.faults.find((f) => f.method === req.method && f.path === path);
    if (fault) {
      if (--fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      if (fault.raw !== undefined) {
        res.writeHead(fault.status, { "content-type": "application/json" });
        res.end(fault.raw);
        return;
      }
      return this.send(
        res,
        fault.status,
        statusBody(
          new ApiError(
            fault.status,
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
          ),
        ),
      );
    }
    if (req.method === "GET") {
      if (path === "/version") return this.send(res, 200, VERSION_INFO);
      if (path === "/api") return this.send(res, 200, API_VERSIONS);
      if (path === "/apis") return this.send(res, 200, API_GROUP_LIST);
    }
    const target = this.route(path);
    if (target === "discovery") return this.send(res, 200, resourceList(path === "/api/v1" ? "" : "apps"));
    if (!target) {
      return this.send(
        res,
        404,
        statusBody(new ApiError(404, "NotFound", "the server could not find the requested resource")),
      );
    }
    const { type, namespace, name, subresource } = target;
    if (subresource && !type.subresources.includes(subresource)) {
      return this.send(
        res,
        404,
        statusBody(
          new ApiError(404, "NotFound", "the server could not find the requested resource"),
          type,
          name,
        ),
      );
    }
    try {
      if (type.namespaced && namespace) this.requireNamespace(namespace, req.method ?? "GET");
      const body = await this.readBody(req);
      const answer = await this.dispatch(req, res, url.searchParams, target, body);
      if (answer) this.send(res, answer.status, answer.body);
      if (req.method === "GET") this.runRaces(path);
    } catch (err) {
      if (err instanceof ApiError) return this.send(res, err.code, statusBody(err, type, name));
      throw err;
    }
  }

  private runRaces(path: string): void {
    for (const race of [...this.races]) {
      if (race.path !== path || --race.reads > 0) continue;
      this.races.splice(this.races.indexOf(race), 1);
      race.write();
    }
  }

  private requireNamespace(namespace: string, method: string): void {
    const namespaces = resourceByPlural("", "namespaces") as ResourceType;
    // Reads in a missing namespace answer empty lists, as the API server does; writes are refused.
    if (method !== "GET" && !this.store.get(namespaces, undefined, namespace)) {
      throw new ApiError(404, "NotFound", `namespaces "${namespace}" not found`);
    }
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    q: URLSearchParams,
    { type, namespace, name, subresource }: Target,
    body: unknown,
  ): Promise<{ status: number; body: unknown } | undefined> {
    const method = req.method ?? "GET";
    const status = subresource === "status";
    if (!name) {
      if (method === "GET" && (q.get("watch") === "true" || q.get("watch") === "1")) {
        this.watch(res, q, type, namespace);
        return undefined;
      }
      if (method === "GET") {
        const items = this.store.list(type, namespace).filter((o) => matchesSelectors(o, q));
        const list = {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: { resourceVersion: this.store.resourceVersion },
          items,
        };
        return { status: 200, body: this.wantsTable(req) ? tableOf(type, items, list.metadata) : list };
      }
      if (method === "POST") {
        if (q.get("dryRun")) return { status: 201, body };
        return { status: 201, body: this.store.create(type, namespace, body as NewObject) };
      }
    } else {
      const current = () => {
        const found = this.store.get(type, namespace, name);
        if (!found) throw notFound(type, name);
        return found;
      };
      if (method === "GET") {
        const object = current();
        return {
          status: 200,
          body: this.wantsTable(req)
            ? tableOf(type, [object], { resourceVersion: object.metadata.resourceVersion })
            : object,
        };
      }
      if (method === "PUT")
        return { status: 200, body: this.store.replace(type, namespace, name, body as KObject, { status }) };
      if (method === "PATCH") {
        const patched = applyPatch(current(), String(req.headers["content-type"] ?? ""), body);
        return { status: 200, body: this.store.replace(type, namespace, name, patched, { status }) };
      }
      if (method === "DELETE") {
        return { status: 200, body: this.store.delete(type, namespace, name) };
      }
    }
    throw new ApiError(
      405,
      "MethodNotAllowed",
      `the server does not allow this method on the requested resource`,
    );
  }

  private wantsTable(req: IncomingMessage): boolean {
    return /as=Table/.test(String(req.headers.accept ?? ""));
  }

  /**
   * A watch: the objects that match first (ADDED) unless the client resumes from a
   * resourceVersion, then every change as it happens, one JSON event per line, until the client
   * leaves, timeoutSeconds passes, or the server stops.
   */
  private watch(
    res: ServerResponse,
    q: URLSearchParams,
    type: ResourceType,
    namespace: string | undefined,
  ): void {
    res.writeHead(200, {
      "content-type": "application/json",
      "transfer-encoding": "chunked",
      "cache-control": "no-cache, private",
    });
    // Headers go now: a watch from a resourceVersion may have nothing to say for a long time.
    res.flushHeaders();
    const write = (event: WatchEvent) => res.write(`${JSON.stringify(event)}\n`);
    const wanted = (event: WatchEvent) =>
      (!namespace || event.object.metadata.namespace === namespace) && matchesSelectors(event.object, q);
    const since = q.get("resourceVersion");
    if (!since || since === "0") {
      for (const object of this.store.list(type, namespace).filter((o) => matchesSelectors(o, q))) {
        write({ type: "ADDED", object });
      }
    } else {
      for (const event of this.store.changesSince(type, Number(since)).filter(wanted)) write(event);
    }
    const listener = (changed: ResourceType, event: WatchEvent) => {
      if (changed === type && wanted(event)) write(event);
    };
    this.store.changes.on("change", listener);
    this.watches.add(res);
    const timeout = Number(q.get("timeoutSeconds") ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const done = () => {
      if (timer) clearTimeout(timer);
      this.store.changes.off("change", listener);
      this.watches.delete(res);
    };
    res.on("close", done);
    res.on("finish", done);
  }
}
