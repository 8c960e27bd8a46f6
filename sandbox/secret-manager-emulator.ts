import { randomUUID } from "node:crypto";
import { type EmulatorResponse, JsonRouter, type ListenOptions } from "./http-server.ts";

interface Version {
  name: string;
  createTime: string;
  state: "ENABLED" | "DISABLED" | "DESTROYED";
  data: string;
}

interface Secret {
  name: string;
  createTime: string;
  replication: unknown;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  versionAliases: Record<string, string>;
  etag: string;
  versions: Version[];
}

const googleError = (code: number, status: string, message: string): EmulatorResponse => ({
  status: code,
  body: { error: { code, message, status } },
});

/**
 * Secret Manager's REST API (v1), as @google-cloud/secret-manager's fallback transport calls it:
 * secrets with labels, annotations and version aliases, etags for optimistic concurrency.
 */
export class SecretManagerEmulator {
  readonly router = new JsonRouter();
  readonly secrets = new Map<string, Secret>();
  url = "";
  port = 0;

  constructor() {
    this.router
      .on("POST", "/v1/projects/:project/secrets", (r) =>
        this.create(r.params.project ?? "", r.query.get("secretId") ?? "", r.body),
      )
      .on("GET", "/v1/projects/:project/secrets/:secret", (r) =>
        this.get(r.params.project ?? "", r.params.secret ?? ""),
      )
      .on("PATCH", "/v1/projects/:project/secrets/:secret", (r) =>
        this.patch(r.params.project ?? "", r.params.secret ?? "", r.query.get("updateMask") ?? "", r.body),
      )
      .on("POST", "/v1/projects/:project/secrets/:secretAction", (r) =>
        this.secretAction(r.params.project ?? "", r.params.secretAction ?? "", r.body),
      )
      .on("GET", "/v1/projects/:project/secrets/:secret/versions/:versionAction", (r) =>
        this.versionGet(r.params.project ?? "", r.params.secret ?? "", r.params.versionAction ?? ""),
      )
      .on("POST", "/v1/projects/:project/secrets/:secret/versions/:versionAction", (r) =>
        this.versionPost(r.params.project ?? "", r.params.secret ?? "", r.params.versionAction ?? ""),
      );
  }

  async start(opts: ListenOptions = {}): Promise<string> {
    this.url = await this.router.listen(opts);
    this.port = Number(new URL(this.url).port);
    return this.url;
  }

  private wire(s: Secret) {
    const { versions: _versions, ...rest } = s;
    return rest;
  }

  private create(project: string, id: string, body: unknown): EmulatorResponse {
    if (!/^[\w-]{1,255}$/.test(id)) return googleError(400, "INVALID_ARGUMENT", "secretId is invalid");
    const name = `projects/${project}/secrets/${id}`;
    if (this.secrets.has(name)) return googleError(409, "ALREADY_EXISTS", `Secret [${name}] already exists.`);
    const b = (body ?? {}) as Partial<Secret>;
    const secret: Secret = {
      name,
      createTime: new Date().toISOString(),
      replication: b.replication ?? { automatic: {} },
      labels: b.labels ?? {},
      annotations: b.annotations ?? {},
      versionAliases: {},
      etag: `"${randomUUID()}"`,
      versions: [],
    };
    this.secrets.set(name, secret);
    return { status: 200, body: this.wire(secret) };
  }

  private find(project: string, id: string): Secret | undefined {
    return this.secrets.get(`projects/${project}/secrets/${id}`);
  }

  private get(project: string, id: string): EmulatorResponse {
    const s = this.find(project, id);
    return s
      ? { status: 200, body: this.wire(s) }
      : googleError(404, "NOT_FOUND", `Secret [projects/${project}/secrets/${id}] not found.`);
  }

  private patch(project: string, id: string, mask: string, body: unknown): EmulatorResponse {
    const s = this.find(project, id);
    if (!s) return googleError(404, "NOT_FOUND", `Secret [projects/${project}/secrets/${id}] not found.`);
    const b = (body ?? {}) as Partial<Secret>;
    if (b.etag && b.etag !== s.etag)
      return googleError(409, "ABORTED", "The etag provided does not match the current etag of the secret.");
    const fields = mask
      .split(",")
      .map((f) => f.trim().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()));
    if (fields.includes("versionAliases")) {
      const aliases = b.versionAliases ?? {};
      for (const v of Object.values(aliases)) {
        if (!s.versions.some((x) => x.name.endsWith(`/versions/${v}`)))
          return googleError(400, "INVALID_ARGUMENT", `Version ${v} does not exist.`);
      }
      s.versionAliases = Object.fromEntries(Object.entries(aliases).map(([k, v]) => [k, String(v)]));
    }
    if (fields.includes("annotations")) s.annotations = b.annotations ?? {};
    if (fields.includes("labels")) s.labels = b.labels ?? {};
    s.etag = `"${randomUUID()}"`;
    return { status: 200, body: this.wire(s) };
  }

  private secretAction(project: string, action: string, body: unknown): EmulatorResponse {
    const [id = "", verb] = action.split(":");
    const s = this.find(project, id);
    if (!s) return googleError(404, "NOT_FOUND", `Secret [projects/${project}/secrets/${id}] not found.`);
    if (verb !== "addVersion") return googleError(404, "NOT_FOUND", `Unknown method ${verb}`);
    const data = (body as { payload?: { data?: string } } | undefined)?.payload?.data;
    if (typeof data !== "string") return googleError(400, "INVALID_ARGUMENT", "payload.data is required");
    const version: Version = {
      name: `${s.name}/versions/${s.versions.length + 1}`,
      createTime: new Date().toISOString(),
      state: "ENABLED",
      data,
    };
    s.versions.push(version);
    return {
      status: 200,
      body: { name: version.name, createTime: version.createTime, state: version.state },
    };
  }

  private version(s: Secret, ref: string): Version | undefined {
    const id = ref === "latest" ? String(s.versions.length) : (s.versionAliases[ref] ?? ref);
    return s.versions.find((v) => v.name.endsWith(`/versions/${id}`));
  }

  /** Resolves `…/versions/{ref}:{verb}` to the version, or the NOT_FOUND answer. */
  private lookupVersion(
    project: string,
    id: string,
    action: string,
  ): { v: Version; verb: string | undefined } | EmulatorResponse {
    const s = this.find(project, id);
    const [ref = "", verb] = action.split(":");
    const v = s && this.version(s, ref);
    if (!v)
      return googleError(
        404,
        "NOT_FOUND",
        `Secret Version [projects/${project}/secrets/${id}/versions/${ref}] not found.`,
      );
    return { v, verb };
  }

  private versionGet(project: string, id: string, action: string): EmulatorResponse {
    const found = this.lookupVersion(project, id, action);
    if ("status" in found) return found;
    const { v, verb } = found;
    if (verb !== "access")
      return { status: 200, body: { name: v.name, createTime: v.createTime, state: v.state } };
    if (v.state !== "ENABLED")
      return googleError(400, "FAILED_PRECONDITION", `Secret Version [${v.name}] is in DISABLED state.`);
    return { status: 200, body: { name: v.name, payload: { data: v.data } } };
  }

  private versionPost(project: string, id: string, action: string): EmulatorResponse {
    const found = this.lookupVersion(project, id, action);
    if ("status" in found) return found;
    const { v, verb } = found;
    if (verb === "disable") v.state = "DISABLED";
    else if (verb === "enable") v.state = "ENABLED";
    else return googleError(404, "NOT_FOUND", `Unknown method ${verb}`);
    return { status: 200, body: { name: v.name, createTime: v.createTime, state: v.state } };
  }

  async stop(): Promise<void> {
    await this.router.close();
  }
}
