import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AssignAliasResponseBody } from "@vercel/sdk/models/assignaliasop.js";
import type { CreateDeploymentResponseBody2 } from "@vercel/sdk/models/createdeploymentresponsebody.js";
import type { CreateProjectEnvResponseBody } from "@vercel/sdk/models/createprojectenvop.js";
import type { GetDeploymentResponseBody2 } from "@vercel/sdk/models/getdeploymentresponsebody1.js";
import type { GetProjectTargets } from "@vercel/sdk/models/getprojectfrompreset.js";
import type { GetProjectResponseBody } from "@vercel/sdk/models/getprojectresponsebody.js";
import { type EmulatorResponse, JsonRouter } from "./http-server.ts";
import type { SampleApp } from "./sample-app.ts";

type ReadyState = "QUEUED" | "INITIALIZING" | "BUILDING" | "READY" | "ERROR" | "CANCELED";

/**
 * A path's answer from routes.json at the commit. productionOnly: the path breaks only while the
 * deployment serves production (a production-only secret or database), so pre-promotion checks pass.
 */
interface RouteOverride {
  status?: number;
  body?: string;
  delayMs?: number;
  productionOnly?: boolean;
}

interface EmulatedDeployment {
  id: string;
  projectId: string;
  name: string;
  sha: string;
  ref: string;
  target: "production" | null;
  readyState: ReadyState;
  readySubstate: "STAGED" | "ROLLING" | "PROMOTED" | undefined;
  errorMessage: string | null;
  createdAt: number;
  buildingAt: number;
  readyAt: number | undefined;
  meta: Record<string, string>;
  host: string;
  server: Server;
  files: Map<string, Buffer>;
  routes: Record<string, RouteOverride>;
  /** The project's variables when this deployment was created (Vercel builds them in). */
  env: Record<string, string>;
  /** Answers injected by tests, per path, one per request: a status, or 0 for the real answer. */
  appFaults: Map<string, number[]>;
}

interface EmulatedProject {
  /** Sensitive variables for production: a new deployment takes a copy when it is created. */
  env: Record<string, string>;
  id: string;
  name: string;
  accountId: string;
  autoAssignCustomDomains: boolean;
  productionDeploymentId: string | null;
  updatedAt: number;
}

/** What the next build does instead of succeeding: how tests and the story inject build faults. */
export type BuildFault = { kind: "error"; message: string } | { kind: "hang" } | { kind: "no-env" };

export interface VercelEmulatorOptions {
  token: string;
  app: SampleApp;
  /** Time from QUEUED to READY. */
  buildMs?: number;
  /** Time a promotion takes to move the production domains. */
  promoteMs?: number;
}

const OWNER = "team_gardesandbox0000000000";
const CREATOR = { uid: "usr_gardesandbox000000000000", username: "garde-sandbox" };

function vercelId(prefix: string): string {
  return `${prefix}_${randomBytes(21).toString("base64url").replace(/[-_]/g, "x").slice(0, 28)}`;
}

const vercelError = (status: number, code: string, message: string): EmulatorResponse => ({
  status,
  body: { error: { code, message } },
});

/**
 * A stateful stand-in for the Vercel REST API endpoints garde uses. Each deployment "builds" a
 * commit of the sample app and then serves it for real on its own 127.0.0.1 port.
 */
export class VercelEmulator {
  readonly router = new JsonRouter();
  readonly projects = new Map<string, EmulatedProject>();
  readonly deployments = new Map<string, EmulatedDeployment>();
  readonly aliases = new Map<string, string>();
  private readonly buildFaults: BuildFault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly opts: Required<VercelEmulatorOptions>;
  url = "";

  constructor(opts: VercelEmulatorOptions) {
    this.opts = { buildMs: 300, promoteMs: 100, ...opts };
    this.router.setAuthorizer((req) =>
      req.headers.authorization === `Bearer ${opts.token}`
        ? null
        : vercelError(403, "forbidden", "Not authorized: the token is missing, invalid or expired"),
    );
    this.router
      .on("POST", "/v13/deployments", (r) => this.createDeployment(r.body))
      .on("GET", "/v13/deployments/:idOrUrl", (r) => this.getDeployment(r.params.idOrUrl ?? ""))
      .on("GET", "/v9/projects/:idOrName", (r) => this.getProject(r.params.idOrName ?? ""))
      .on("PATCH", "/v9/projects/:idOrName", (r) => this.updateProject(r.params.idOrName ?? "", r.body))
      .on("POST", "/v10/projects/:projectId/promote/:deploymentId", (r) =>
        this.promote(r.params.projectId ?? "", r.params.deploymentId ?? ""),
      )
      .on("POST", "/v1/projects/:projectId/rollback/:deploymentId", (r) =>
        this.rollback(r.params.projectId ?? "", r.params.deploymentId ?? ""),
      )
      .on("POST", "/v2/deployments/:id/aliases", (r) => this.assignAlias(r.params.id ?? "", r.body))
      .on("POST", "/v10/projects/:idOrName/env", (r) =>
        this.createEnv(r.params.idOrName ?? "", r.query.get("upsert") === "true", r.body),
      );
  }

  async start(): Promise<string> {
    this.url = await this.router.listen();
    return this.url;
  }

  /** Creates a project the way `vercel project add` would, with auto-assigned production domains on. */
  addProject(name: string): EmulatedProject {
    const project: EmulatedProject = {
      id: vercelId("prj"),
      name,
      accountId: OWNER,
      autoAssignCustomDomains: true,
      productionDeploymentId: null,
      env: {},
      updatedAt: Date.now(),
    };
    this.projects.set(project.id, project);
    return project;
  }

  /** The deployment's next `times` requests to `path` answer `status`: a blip, or an outage. */
  injectAppFault(deploymentId: string, path: string, status: number, times = 1): void {
    this.injectAppSequence(deploymentId, path, Array(times).fill(status));
  }

  /** The next requests to `path` answer these statuses in turn; 0 lets one through to the app. */
  injectAppSequence(deploymentId: string, path: string, statuses: number[]): void {
    const d = this.deployments.get(deploymentId);
    if (!d) throw new Error(`no deployment ${deploymentId}`);
    d.appFaults.set(path, [...(d.appFaults.get(path) ?? []), ...statuses]);
  }

  /** The next build ends in ERROR with this message, or never finishes. */
  failNextBuild(fault: BuildFault): void {
    this.buildFaults.push(fault);
  }

  private findProject(idOrName: string): EmulatedProject | undefined {
    return this.projects.get(idOrName) ?? [...this.projects.values()].find((p) => p.name === idOrName);
  }

  private findDeployment(idOrUrl: string): EmulatedDeployment | undefined {
    const host = idOrUrl.replace(/^https?:\/\//, "");
    return this.deployments.get(idOrUrl) ?? [...this.deployments.values()].find((d) => d.host === host);
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private async createDeployment(body: unknown): Promise<EmulatorResponse> {
    const b = (body ?? {}) as {
      name?: string;
      project?: string;
      target?: string;
      gitSource?: { type?: string; sha?: string; ref?: string };
      meta?: Record<string, string>;
    };
    if (!b.name) return vercelError(400, "bad_request", "Invalid request: missing required property `name`.");
    const project = this.findProject(b.project ?? b.name);
    if (!project) return vercelError(404, "not_found", `Project ${b.project ?? b.name} not found`);
    const sha = b.gitSource?.sha;
    if (!sha || !this.opts.app.hasCommit(sha)) {
      return vercelError(
        400,
        "incorrect_git_source_info",
        `The commit ${sha ?? "(none)"} was not found in the repository.`,
      );
    }
    if (b.target !== undefined && b.target !== "production" && b.target !== "staging") {
      return vercelError(
        400,
        "bad_request",
        "Invalid request: `target` should be equal to one of the allowed values.",
      );
    }
    const server = createServer((req, res) => this.serveApp(deployment, req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const now = Date.now();
    const deployment: EmulatedDeployment = {
      id: vercelId("dpl"),
      projectId: project.id,
      name: project.name,
      sha,
      ref: b.gitSource?.ref ?? "",
      target: b.target === "production" ? "production" : null,
      readyState: "QUEUED",
      readySubstate: undefined,
      errorMessage: null,
      createdAt: now,
      buildingAt: now,
      readyAt: undefined,
      meta: b.meta ?? {},
      host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      server,
      files: new Map(),
      routes: {},
      appFaults: new Map(),
      env: { ...project.env },
    };
    this.deployments.set(deployment.id, deployment);
    this.build(deployment, project);
    return { status: 200, body: this.wireDeployment(deployment) satisfies CreateDeploymentResponseBody2 };
  }

  private build(d: EmulatedDeployment, project: EmulatedProject): void {
    const fault = this.buildFaults.shift();
    const { buildMs } = this.opts;
    // A build that does not pick up the project's variables (a misnamed or unscoped variable).
    if (fault?.kind === "no-env") d.env = {};
    this.later(buildMs / 3, () => {
      d.readyState = "BUILDING";
      d.buildingAt = Date.now();
    });
    if (fault?.kind === "hang") return;
    this.later(buildMs, () => {
      const files = this.opts.app.readTree(d.sha);
      if (fault?.kind === "error" || !files.has("/index.html")) {
        d.readyState = "ERROR";
        d.errorMessage =
          fault?.kind === "error"
            ? fault.message
            : 'No Output Directory named "public" with an index.html found after the Build completed.';
        return;
      }
      d.files = files;
      d.routes = this.opts.app.readRoutes(d.sha);
      d.readyState = "READY";
      d.readyAt = Date.now();
      if (d.target === "production") {
        if (project.autoAssignCustomDomains) this.makeProduction(project, d);
        else d.readySubstate = "STAGED";
      }
    });
  }

  private makeProduction(project: EmulatedProject, d: EmulatedDeployment): void {
    const previous = project.productionDeploymentId
      ? this.deployments.get(project.productionDeploymentId)
      : undefined;
    if (previous && previous !== d) previous.readySubstate = undefined;
    project.productionDeploymentId = d.id;
    d.readySubstate = "PROMOTED";
  }

  private serveApp(
    d: EmulatedDeployment,
    req: import("node:http").IncomingMessage,
    res: import("node:http").ServerResponse,
  ): void {
    const rawPath = req.url ?? "/";
    const path = new URL(rawPath, "http://x").pathname;
    const headers = { "x-vercel-id": `sandbox::${d.id}`, "x-garde-deployment": d.id };
    if (d.readyState !== "READY") {
      const status = d.readyState === "ERROR" || d.readyState === "CANCELED" ? 404 : 503;
      res.writeHead(status, { ...headers, "content-type": "text/plain" });
      res.end(status === 404 ? "DEPLOYMENT_NOT_FOUND\n" : "The deployment is building\n");
      return;
    }
    const fault = d.appFaults.get(path)?.shift();
    if (fault) {
      res.writeHead(fault, { ...headers, "content-type": "text/plain" });
      res.end("injected fault\n");
      return;
    }
    // The sample app's API checks a bearer token against its API_TOKEN, accepting API_TOKEN_PREVIOUS
    // too during a rotation's overlap.
    if (path === "/api/key-check") {
      const sent = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
      const accepted = [d.env.API_TOKEN, d.env.API_TOKEN_PREVIOUS].filter(Boolean);
      const ok = sent !== undefined && accepted.includes(sent);
      res.writeHead(ok ? 200 : 401, { ...headers, "content-type": "application/json" });
      res.end(JSON.stringify({ ok }));
      return;
    }
    const answer = () => {
      const override = d.routes[path];
      const live = [...this.projects.values()].some((p) => p.productionDeploymentId === d.id);
      if (override && (!override.productionOnly || live)) {
        res.writeHead(override.status ?? 200, { ...headers, "content-type": "text/plain" });
        res.end(override.body ?? "");
        return;
      }
      const file = d.files.get(path === "/" ? "/index.html" : path);
      if (!file) {
        res.writeHead(404, { ...headers, "content-type": "text/plain" });
        res.end("NOT_FOUND\n");
        return;
      }
      const type =
        path === "/" || path.endsWith(".html")
          ? "text/html; charset=utf-8"
          : path === "/healthz"
            ? "application/json"
            : "text/plain";
      res.writeHead(200, { ...headers, "content-type": type });
      res.end(file);
    };
    const delay = d.routes[path]?.delayMs ?? 0;
    if (delay > 0) this.later(delay, answer);
    else answer();
  }

  private wireDeployment(d: EmulatedDeployment) {
    return {
      id: d.id,
      url: d.host,
      name: d.name,
      projectId: d.projectId,
      ownerId: OWNER,
      readyState: d.readyState,
      status: d.readyState,
      ...(d.readySubstate ? { readySubstate: d.readySubstate } : {}),
      ...(d.errorMessage ? { errorMessage: d.errorMessage, errorCode: "BUILD_FAILED" } : {}),
      target: d.target,
      type: "LAMBDAS" as const,
      createdAt: d.createdAt,
      createdIn: "sfo1",
      buildingAt: d.buildingAt,
      ...(d.readyAt ? { ready: d.readyAt } : {}),
      bootedAt: d.createdAt,
      creator: CREATOR,
      meta: d.meta,
      public: false,
      plan: "pro" as const,
      regions: ["iad1"],
      routes: null,
      env: [],
      build: { env: [] },
      alias: [...this.aliases.entries()].filter(([, id]) => id === d.id).map(([alias]) => alias),
      aliasAssigned: d.readySubstate === "PROMOTED",
      buildSkipped: false,
      inspectorUrl: null,
      isInConcurrentBuildsQueue: false,
      isInSystemBuildsQueue: false,
      projectSettings: {},
      version: 2 as const,
      lambdas: [],
      gitSource: { type: "github" as const, org: "garde", repo: "sample-app", ref: d.ref, sha: d.sha },
    };
  }

  private getDeployment(idOrUrl: string): EmulatorResponse {
    const d = this.findDeployment(idOrUrl);
    if (!d) return vercelError(404, "not_found", "Deployment not found");
    return { status: 200, body: this.wireDeployment(d) satisfies GetDeploymentResponseBody2 };
  }

  private wireProject(p: EmulatedProject) {
    const live = p.productionDeploymentId ? this.deployments.get(p.productionDeploymentId) : undefined;
    const target: GetProjectTargets | undefined = live && {
      id: live.id,
      url: live.host,
      name: live.name,
      createdAt: live.createdAt,
      createdIn: "sfo1",
      creator: { ...CREATOR, email: "sandbox@garde.invalid" },
      deploymentHostname: live.host,
      plan: "pro",
      private: true,
      readyState: live.readyState,
      ...(live.readySubstate ? { readySubstate: live.readySubstate } : {}),
      target: "production",
      type: "LAMBDAS",
    };
    return {
      id: p.id,
      name: p.name,
      accountId: p.accountId,
      alias: [],
      autoAssignCustomDomains: p.autoAssignCustomDomains,
      createdAt: p.updatedAt,
      updatedAt: p.updatedAt,
      directoryListing: false,
      nodeVersion: "22.x",
      ...(target ? { targets: { production: target } } : {}),
      latestDeployments: [],
      resourceConfig: { fluid: false, functionDefaultRegions: ["iad1"] },
      defaultResourceConfig: { fluid: false, functionDefaultRegions: ["iad1"] },
      deploymentExpiration: { expirationDays: 180 },
    } satisfies GetProjectResponseBody;
  }

  private getProject(idOrName: string): EmulatorResponse {
    const p = this.findProject(idOrName);
    if (!p) return vercelError(404, "not_found", `Project ${idOrName} not found`);
    return { status: 200, body: this.wireProject(p) };
  }

  private updateProject(idOrName: string, body: unknown): EmulatorResponse {
    const p = this.findProject(idOrName);
    if (!p) return vercelError(404, "not_found", `Project ${idOrName} not found`);
    const b = (body ?? {}) as { autoAssignCustomDomains?: unknown };
    if (b.autoAssignCustomDomains !== undefined) {
      if (typeof b.autoAssignCustomDomains !== "boolean") {
        return vercelError(
          400,
          "bad_request",
          "Invalid request: `autoAssignCustomDomains` should be boolean.",
        );
      }
      p.autoAssignCustomDomains = b.autoAssignCustomDomains;
    }
    p.updatedAt = Date.now();
    return { status: 200, body: this.wireProject(p) };
  }

  private promote(projectId: string, deploymentId: string): EmulatorResponse {
    const p = this.findProject(projectId);
    if (!p) return vercelError(404, "not_found", `Project ${projectId} not found`);
    const d = this.deployments.get(deploymentId);
    if (!d || d.projectId !== p.id) return vercelError(404, "not_found", "Deployment not found");
    if (d.readyState !== "READY") {
      return vercelError(
        400,
        "deployment_not_ready",
        `Deployment ${deploymentId} is ${d.readyState}, not READY`,
      );
    }
    if (p.productionDeploymentId === d.id) return { status: 201 };
    d.readySubstate = "ROLLING";
    this.later(this.opts.promoteMs, () => this.makeProduction(p, d));
    return { status: 202 };
  }

  private createEnv(idOrName: string, upsert: boolean, body: unknown): EmulatorResponse {
    const p = this.findProject(idOrName);
    if (!p) return vercelError(404, "not_found", `Project ${idOrName} not found`);
    const b = (body ?? {}) as { key?: unknown; value?: unknown; type?: unknown; target?: unknown };
    if (typeof b.key !== "string" || typeof b.value !== "string" || !Array.isArray(b.target)) {
      return vercelError(400, "bad_request", "Invalid request: `key`, `value` and `target` are required.");
    }
    if (b.key in p.env && !upsert)
      return vercelError(400, "ENV_ALREADY_EXISTS", `A variable with the name ${b.key} already exists`);
    p.env[b.key] = b.value;
    const answer: Omit<CreateProjectEnvResponseBody, "created"> & { created: Record<string, unknown> } = {
      created: {
        type: b.type ?? "sensitive",
        key: b.key,
        value: "",
        target: b.target,
        id: vercelId("env"),
        createdAt: Date.now(),
        updatedAt: Date.now(),
      },
      failed: [],
    };
    return { status: 201, body: answer };
  }

  /** Instant Rollback: only to an earlier READY production deployment of the same project. */
  private rollback(projectId: string, deploymentId: string): EmulatorResponse {
    const p = this.findProject(projectId);
    if (!p) return vercelError(404, "not_found", `Project ${projectId} not found`);
    const d = this.deployments.get(deploymentId);
    if (!d || d.projectId !== p.id) return vercelError(404, "not_found", "Deployment not found");
    if (d.target !== "production" || d.readyState !== "READY") {
      return vercelError(
        400,
        "invalid_rollback_target",
        "You can only roll back to a READY production deployment.",
      );
    }
    if (p.productionDeploymentId === d.id) return { status: 201 };
    this.later(this.opts.promoteMs, () => this.makeProduction(p, d));
    return { status: 201 };
  }

  private assignAlias(id: string, body: unknown): EmulatorResponse {
    const d = this.findDeployment(id);
    if (!d) return vercelError(404, "not_found", "Deployment not found");
    const alias = (body as { alias?: unknown } | undefined)?.alias;
    if (typeof alias !== "string" || !/^[a-z0-9.-]+$/i.test(alias)) {
      return vercelError(400, "invalid_alias", "Invalid request: `alias` should be a hostname.");
    }
    const oldDeploymentId = this.aliases.get(alias) ?? null;
    this.aliases.set(alias, d.id);
    const answer: Omit<AssignAliasResponseBody, "created"> & { created: string } = {
      uid: vercelId("als").replace("als_", ""),
      alias,
      created: new Date().toISOString(),
      oldDeploymentId: oldDeploymentId === d.id ? null : oldDeploymentId,
    };
    return { status: 200, body: answer };
  }

  /** Answers for the host an alias points at, as Vercel's edge would. */
  aliasHost(alias: string): string | undefined {
    const id = this.aliases.get(alias);
    return id ? this.deployments.get(id)?.host : undefined;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.router.close();
    await Promise.all(
      [...this.deployments.values()].map(
        (d) =>
          new Promise<void>((resolve) => {
            d.server.closeAllConnections();
            d.server.close(() => resolve());
          }),
      ),
    );
  }
}
