import type { AssignAliasResponseBody } from "@vercel/sdk/models/assignaliasop.js";
import type { CreateProjectEnvResponseBody } from "@vercel/sdk/models/createprojectenvop.js";
import type { FilterProjectEnvsResponseBody2 } from "@vercel/sdk/models/filterprojectenvsop.js";
import type { GetDeploymentsResponseBody } from "@vercel/sdk/models/getdeploymentsop.js";
import type { GetProjectsByIdOrNameCustomEnvironmentsResponseBody } from "@vercel/sdk/models/getprojectsbyidornamecustomenvironmentsop.js";
import type { GetTeamsResponseBody } from "@vercel/sdk/models/getteamsop.js";
import type { GetProjectsResponseBody2 } from "@vercel/sdk/models/responsebodyabuse.js";
import { serveDeployment } from "../app-server.ts";
import {
  closeServer,
  type EmulatorResponse,
  JsonRouter,
  type ListenOptions,
  listenLocal,
} from "../http-server.ts";
import type { SampleApp } from "../sample-app.ts";
import { SANDBOX_TEAM, wireTeam, wireUser } from "./account.ts";
import { ENV_TARGETS, type EnvInput, type EnvTarget, ProjectEnv } from "./env.ts";
import {
  type AliasRecord,
  type AliasRequest,
  type EmulatedDeployment,
  type EmulatedProject,
  vercelError,
  vercelId,
} from "./model.ts";
import { pageByTime } from "./pagination.ts";
import { listedDeployment, wireAlias, wireBuilds, wireDeployment, wireProject } from "./wire.ts";

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

const OWNER = SANDBOX_TEAM.id;
const ENV_TYPES = ["plain", "encrypted", "sensitive"] as const;

/**
 * A stateful stand-in for Vercel's REST API: the endpoints garde's SDK calls and those the
 * `vercel` CLI needs for whoami, ls, inspect, env, alias, promote, rollback and project ls. Each
 * deployment "builds" a commit of the sample app and then serves it for real on its own port.
 */
export class VercelEmulator {
  readonly router = new JsonRouter();
  readonly projects = new Map<string, EmulatedProject>();
  readonly deployments = new Map<string, EmulatedDeployment>();
  readonly aliases = new Map<string, AliasRecord>();
  private readonly buildFaults: BuildFault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly opts: Required<VercelEmulatorOptions>;
  private listen: ListenOptions = {};
  url = "";

  constructor(opts: VercelEmulatorOptions) {
    this.opts = { buildMs: 300, promoteMs: 100, ...opts };
    this.router.setAuthorizer((req) =>
      req.headers.authorization === `Bearer ${opts.token}`
        ? null
        : vercelError(403, "forbidden", "Not authorized: the token is missing, invalid or expired"),
    );
    const p = (r: { params: Record<string, string> }, key: string) => r.params[key] ?? "";
    this.router
      .on("GET", "/v2/user", () => ({ status: 200, body: wireUser() }))
      .on("GET", "/v1/teams", () => ({
        status: 200,
        body: {
          teams: [wireTeam()],
          pagination: { count: 1, next: null, prev: null },
        } satisfies GetTeamsResponseBody,
      }))
      // The CLI reads a team at /teams/:id; the API reference documents /v2/teams/:id.
      .on("GET", "/v2/teams/:idOrSlug", (r) => this.getTeam(p(r, "idOrSlug")))
      .on("GET", "/teams/:idOrSlug", (r) => this.getTeam(p(r, "idOrSlug")))
      .on("GET", "/v6/deployments", (r) => this.listDeployments(r.query))
      // The SDK lists at /v7 (GetDeploymentsResponseBody), the CLI at /v6: one answer for both.
      .on("GET", "/v7/deployments", (r) => this.listDeployments(r.query))
      .on("POST", "/v13/deployments", (r) => this.createDeployment(r.body))
      .on("GET", "/v13/deployments/:idOrUrl", (r) => this.getDeployment(p(r, "idOrUrl")))
      .on("GET", "/v11/deployments/:id/builds", (r) => this.getBuilds(p(r, "id")))
      .on("GET", "/v9/projects", (r) => this.listProjects(r.query))
      .on("GET", "/v9/projects/:idOrName", (r) =>
        this.getProject(p(r, "idOrName"), r.query.get("rollbackInfo") === "true"),
      )
      .on("PATCH", "/v9/projects/:idOrName", (r) => this.updateProject(p(r, "idOrName"), r.body))
      .on("POST", "/v10/projects/:projectId/promote/:deploymentId", (r) =>
        this.moveProduction("promote", p(r, "projectId"), p(r, "deploymentId")),
      )
      // The SDK rolls back at /v1/projects/…, the CLI at /v9/projects/…: both are Vercel's.
      .on("POST", "/v1/projects/:projectId/rollback/:deploymentId", (r) =>
        this.moveProduction("rollback", p(r, "projectId"), p(r, "deploymentId")),
      )
      .on("POST", "/v9/projects/:projectId/rollback/:deploymentId", (r) =>
        this.moveProduction("rollback", p(r, "projectId"), p(r, "deploymentId")),
      )
      .on("POST", "/v2/deployments/:id/aliases", (r) => this.assignAlias(p(r, "id"), r.body))
      .on("GET", "/v2/deployments/:id/aliases", (r) => this.deploymentAliases(p(r, "id")))
      .on("GET", "/now/deployments/:id/aliases", (r) => this.deploymentAliases(p(r, "id")))
      .on("GET", "/v4/aliases", (r) => this.listAliases(r.query))
      .on("GET", "/v3/now/aliases", (r) => this.listAliases(r.query))
      // Custom environments are not emulated: the list is empty, as on a plan without them.
      .on("GET", "/projects/:idOrName/custom-environments", (r) => this.customEnvironments(p(r, "idOrName")))
      .on("GET", "/v9/projects/:idOrName/custom-environments", (r) =>
        this.customEnvironments(p(r, "idOrName")),
      )
      .on("GET", "/v10/projects/:idOrName/env", (r) => this.listEnv(p(r, "idOrName"), r.query))
      .on("POST", "/v10/projects/:idOrName/env", (r) =>
        this.createEnv(p(r, "idOrName"), r.query.get("upsert") === "true", r.body),
      )
      .on("DELETE", "/v9/projects/:idOrName/env/:id", (r) => this.removeEnv(p(r, "idOrName"), p(r, "id")));
  }

  /** Listens; the deployments it builds later listen with the same certificate, on both protocols. */
  async start(opts: ListenOptions = {}): Promise<string> {
    this.listen = opts;
    this.url = await this.router.listen(opts);
    return this.url;
  }

  /** Creates a project the way `vercel project add` would, with auto-assigned production domains on. */
  addProject(name: string): EmulatedProject {
    const now = Date.now();
    const project: EmulatedProject = {
      id: vercelId("prj"),
      name,
      accountId: OWNER,
      autoAssignCustomDomains: true,
      productionDeploymentId: null,
      productionDomain: `${name}.garde.test`,
      env: new ProjectEnv(),
      lastAliasRequest: null,
      rolledBack: false,
      createdAt: now,
      updatedAt: now,
    };
    this.projects.set(project.id, project);
    return project;
  }

  /** The values a new deployment of this project for `target` would build with. */
  envOf(idOrName: string, target: EnvTarget = "production"): Record<string, string> {
    return this.findProject(idOrName)?.env.valuesFor(target) ?? {};
  }

  /** The deployment an alias (a staging domain, the production domain) points at. */
  aliasTarget(alias: string): string | undefined {
    return this.aliases.get(alias)?.deploymentId;
  }

  /** Answers for the host an alias points at, as Vercel's edge would. */
  aliasHost(alias: string): string | undefined {
    const id = this.aliasTarget(alias);
    return id ? this.deployments.get(id)?.host : undefined;
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

  /** By id, by the deployment's own host, or by an alias pointing at it, as GET /v13/deployments/:idOrUrl. */
  private findDeployment(idOrUrl: string): EmulatedDeployment | undefined {
    const host = idOrUrl.replace(/^https?:\/\//, "").replace(/\/$/, "");
    const aliased = this.aliasTarget(host);
    return (
      this.deployments.get(idOrUrl) ??
      (aliased ? this.deployments.get(aliased) : undefined) ??
      [...this.deployments.values()].find((d) => d.host === host)
    );
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private aliasesOf(d: EmulatedDeployment): string[] {
    return [...this.aliases.values()].filter((a) => a.deploymentId === d.id).map((a) => a.alias);
  }

  private wire(d: EmulatedDeployment) {
    return wireDeployment(d, OWNER, this.aliasesOf(d));
  }

  private getTeam(idOrSlug: string): EmulatorResponse {
    return [SANDBOX_TEAM.id, SANDBOX_TEAM.slug].includes(idOrSlug)
      ? { status: 200, body: wireTeam() }
      : vercelError(404, "not_found", "Team not found");
  }

  /**
   * POST /v13/deployments from a commit (gitSource), or from an earlier deployment (deploymentId:
   * what the CLI's `promote` of a preview sends, a rebuild of the same commit for production).
   */
  private async createDeployment(body: unknown): Promise<EmulatorResponse> {
    const b = (body ?? {}) as {
      name?: string;
      project?: string;
      target?: string;
      deploymentId?: string;
      gitSource?: { type?: string; sha?: string; ref?: string };
      meta?: Record<string, string>;
    };
    if (!b.name) return vercelError(400, "bad_request", "Invalid request: missing required property `name`.");
    const project = this.findProject(b.project ?? b.name);
    if (!project) return vercelError(404, "not_found", `Project ${b.project ?? b.name} not found`);
    const from = b.deploymentId ? this.deployments.get(b.deploymentId) : undefined;
    if (b.deploymentId && !from) return vercelError(404, "not_found", "Deployment not found");
    const sha = from?.sha ?? b.gitSource?.sha;
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
    const target = b.target === "production" ? "production" : null;
    const now = Date.now();
    const id = vercelId("dpl");
    const { server, url } = await listenLocal(
      (req, res) => {
        const d = this.deployments.get(id);
        if (d)
          serveDeployment(d, req, res, {
            isLive: () => this.isLive(d),
            later: (ms, fn) => this.later(ms, fn),
          });
      },
      { tls: this.listen.tls, plainToo: true },
    );
    const deployment: EmulatedDeployment = {
      id,
      projectId: project.id,
      name: project.name,
      sha,
      ref: from?.ref ?? b.gitSource?.ref ?? "",
      target,
      readyState: "QUEUED",
      readySubstate: undefined,
      servedProduction: false,
      errorMessage: null,
      createdAt: now,
      buildingAt: now,
      readyAt: undefined,
      meta: { ...from?.meta, ...b.meta },
      host: new URL(url).host,
      server,
      files: new Map(),
      routes: {},
      appFaults: new Map(),
      env: project.env.valuesFor(target ?? "preview"),
    };
    this.deployments.set(deployment.id, deployment);
    this.build(deployment, project);
    return { status: 200, body: this.wire(deployment) };
  }

  private isLive(d: EmulatedDeployment): boolean {
    return this.projects.get(d.projectId)?.productionDeploymentId === d.id;
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
      if (d.target !== "production") return;
      // After an Instant Rollback, new production builds wait for a promote, as on Vercel.
      if (project.autoAssignCustomDomains && !project.rolledBack) this.makeProduction(project, d);
      else d.readySubstate = "STAGED";
    });
  }

  /** Production's domain moves to d; the deployment it left stops being PROMOTED. */
  private makeProduction(project: EmulatedProject, d: EmulatedDeployment): void {
    const previous = project.productionDeploymentId
      ? this.deployments.get(project.productionDeploymentId)
      : undefined;
    if (previous && previous !== d) previous.readySubstate = undefined;
    project.productionDeploymentId = d.id;
    d.readySubstate = "PROMOTED";
    d.servedProduction = true;
    this.pointAlias(project.productionDomain, d);
  }

  /** Points an alias at a deployment (its uid kept, its time the assignment's); returns the record and what it pointed at. */
  private pointAlias(alias: string, d: EmulatedDeployment): { record: AliasRecord; previous: string | null } {
    const existing = this.aliases.get(alias);
    const record: AliasRecord = {
      uid: existing?.uid ?? vercelId("als").slice(4),
      alias,
      deploymentId: d.id,
      projectId: d.projectId,
      createdAt: Date.now(),
    };
    this.aliases.set(alias, record);
    return { record, previous: existing?.deploymentId ?? null };
  }

  /** GET /v6/deployments: what `vercel ls` lists, newest first, filtered as the API filters. */
  private listDeployments(q: URLSearchParams): EmulatorResponse {
    const project = q.get("projectId") ?? q.get("app");
    const found = project ? this.findProject(project) : undefined;
    if (project && !found) return vercelError(404, "not_found", `Project ${project} not found`);
    const target = q.get("target");
    const states = q.get("state")?.split(",");
    const matching = [...this.deployments.values()].filter(
      (d) =>
        (!found || d.projectId === found.id) &&
        (!target || (target === "production" ? d.target === "production" : d.target === null)) &&
        (!states || states.includes(d.readyState)) &&
        (!q.get("sha") || d.sha === q.get("sha")) &&
        (!q.get("branch") || d.ref === q.get("branch")) &&
        (q.get("rollbackCandidate") !== "true" || d.servedProduction),
    );
    const { page, pagination } = pageByTime(matching, (d) => d.createdAt, q, { limit: 20, max: 100 });
    const body: GetDeploymentsResponseBody = { deployments: page.map(listedDeployment), pagination };
    return { status: 200, body };
  }

  private getDeployment(idOrUrl: string): EmulatorResponse {
    const d = this.findDeployment(idOrUrl);
    if (!d) return vercelError(404, "not_found", "Deployment not found");
    return { status: 200, body: this.wire(d) };
  }

  private getBuilds(id: string): EmulatorResponse {
    const d = this.findDeployment(id);
    if (!d) return vercelError(404, "not_found", "Deployment not found");
    return { status: 200, body: wireBuilds(d) };
  }

  private wireProject(p: EmulatedProject, rollbackInfo = false) {
    const live = p.productionDeploymentId ? this.deployments.get(p.productionDeploymentId) : undefined;
    return wireProject(p, live, rollbackInfo);
  }

  /** GET /v9/projects: `vercel project ls`, newest update first; `search` matches names. */
  private listProjects(q: URLSearchParams): EmulatorResponse {
    const search = q.get("search");
    const matching = [...this.projects.values()].filter((p) => !search || p.name.includes(search));
    const { page, pagination } = pageByTime(matching, (p) => p.updatedAt, q, { limit: 20, max: 100 });
    const body: GetProjectsResponseBody2 = { projects: page.map((p) => this.wireProject(p)), pagination };
    return { status: 200, body };
  }

  private getProject(idOrName: string, rollbackInfo: boolean): EmulatorResponse {
    const p = this.findProject(idOrName);
    if (!p) return vercelError(404, "not_found", `Project ${idOrName} not found`);
    return { status: 200, body: this.wireProject(p, rollbackInfo) };
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

  /**
   * Promote (a READY production build, staged or not) and Instant Rollback (a READY build that
   * served production before) both answer 201 at once and move the domains after promoteMs; the
   * request is kept as the project's lastAliasRequest, which `vercel promote|rollback status` polls.
   */
  private moveProduction(
    type: AliasRequest["type"],
    projectId: string,
    deploymentId: string,
  ): EmulatorResponse {
    const p = this.findProject(projectId);
    if (!p) return vercelError(404, "not_found", `Project ${projectId} not found`);
    const d = this.deployments.get(deploymentId);
    if (!d || d.projectId !== p.id) return vercelError(404, "not_found", "Deployment not found");
    if (type === "promote" && d.readyState !== "READY") {
      return vercelError(
        400,
        "deployment_not_ready",
        `Deployment ${deploymentId} is ${d.readyState}, not READY`,
      );
    }
    if (type === "rollback" && (d.target !== "production" || d.readyState !== "READY")) {
      return vercelError(
        400,
        "invalid_rollback_target",
        "You can only roll back to a READY production deployment.",
      );
    }
    const request: AliasRequest = {
      type,
      jobStatus: p.productionDeploymentId === d.id ? "skipped" : "in-progress",
      requestedAt: Date.now(),
      fromDeploymentId: p.productionDeploymentId,
      toDeploymentId: d.id,
    };
    p.lastAliasRequest = request;
    p.rolledBack = type === "rollback";
    if (request.jobStatus === "skipped") return { status: 201 };
    if (type === "promote") d.readySubstate = "ROLLING";
    this.later(this.opts.promoteMs, () => {
      this.makeProduction(p, d);
      request.jobStatus = "succeeded";
    });
    return { status: 201 };
  }

  private customEnvironments(idOrName: string): EmulatorResponse {
    if (!this.findProject(idOrName)) return vercelError(404, "not_found", `Project ${idOrName} not found`);
    const body: GetProjectsByIdOrNameCustomEnvironmentsResponseBody = {
      accountLimit: { total: 0 },
      environments: [],
    };
    return { status: 200, body };
  }

  private listEnv(idOrName: string, q: URLSearchParams): EmulatorResponse {
    const p = this.findProject(idOrName);
    if (!p) return vercelError(404, "not_found", `Project ${idOrName} not found`);
    const target = q.get("target");
    const decrypt = q.get("decrypt") === "true";
    const envs = p.env.records
      .filter((r) => !target || r.target.includes(target as EnvTarget))
      .filter((r) => !q.get("gitBranch") || r.gitBranch === q.get("gitBranch"))
      .map((r) => ProjectEnv.wire(r, decrypt));
    const body: FilterProjectEnvsResponseBody2 = {
      envs,
      pagination: { count: envs.length, next: null, prev: null },
    };
    return { status: 200, body };
  }

  private createEnv(idOrName: string, upsert: boolean, body: unknown): EmulatorResponse {
    const p = this.findProject(idOrName);
    if (!p) return vercelError(404, "not_found", `Project ${idOrName} not found`);
    const input = parseEnvInput(body);
    if ("message" in input) return vercelError(400, "bad_request", input.message);
    const added = p.env.add(input, upsert);
    if ("code" in added) return vercelError(400, added.code, added.message);
    p.updatedAt = Date.now();
    const answer: Omit<CreateProjectEnvResponseBody, "created"> & { created: unknown } = {
      created: ProjectEnv.wire(added, false),
      failed: [],
    };
    return { status: 201, body: answer };
  }

  private removeEnv(idOrName: string, id: string): EmulatorResponse {
    const p = this.findProject(idOrName);
    if (!p) return vercelError(404, "not_found", `Project ${idOrName} not found`);
    const [gone] = p.env.remove(id);
    if (!gone) return vercelError(404, "not_found", `Environment variable ${id} not found`);
    return { status: 200, body: ProjectEnv.wire(gone, false) };
  }

  private assignAlias(id: string, body: unknown): EmulatorResponse {
    const d = this.findDeployment(id);
    if (!d) return vercelError(404, "not_found", "Deployment not found");
    const alias = (body as { alias?: unknown } | undefined)?.alias;
    if (typeof alias !== "string" || !/^[a-z0-9.-]+$/i.test(alias)) {
      return vercelError(400, "invalid_alias", "Invalid request: `alias` should be a hostname.");
    }
    const { record, previous: oldDeploymentId } = this.pointAlias(alias, d);
    const answer: Omit<AssignAliasResponseBody, "created"> & { created: string } = {
      uid: record.uid,
      alias,
      created: new Date(record.createdAt).toISOString(),
      oldDeploymentId: oldDeploymentId === d.id ? null : oldDeploymentId,
    };
    return { status: 200, body: answer };
  }

  private listAliases(q: URLSearchParams): EmulatorResponse {
    const projectId = q.get("projectId");
    const project = projectId ? this.findProject(projectId) : undefined;
    const matching = [...this.aliases.values()].filter((a) => !project || a.projectId === project.id);
    const { page, pagination } = pageByTime(matching, (a) => a.createdAt, q, { limit: 20, max: 100 });
    return {
      status: 200,
      body: { aliases: page.map((a) => wireAlias(a, this.deployments.get(a.deploymentId))), pagination },
    };
  }

  private deploymentAliases(id: string): EmulatorResponse {
    const d = this.findDeployment(id);
    if (!d) return vercelError(404, "not_found", "Deployment not found");
    const aliases = [...this.aliases.values()].filter((a) => a.deploymentId === d.id);
    return {
      status: 200,
      body: {
        aliases: aliases.map((a) => ({
          uid: a.uid,
          alias: a.alias,
          created: new Date(a.createdAt).toISOString(),
        })),
      },
    };
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.router.close();
    await Promise.all([...this.deployments.values()].map((d) => closeServer(d.server)));
  }
}

/** A variable as POST /v10/projects/:id/env takes it, or what is wrong with it. */
function parseEnvInput(body: unknown): EnvInput | { message: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.key !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(b.key)) {
    return { message: "Invalid request: `key` should be a variable name (letters, digits, _)." };
  }
  if (typeof b.value !== "string") return { message: "Invalid request: `value` should be a string." };
  const targets = typeof b.target === "string" ? [b.target] : b.target;
  if (!Array.isArray(targets) || !targets.length || !targets.every((t) => ENV_TARGETS.includes(t))) {
    return {
      message: `Invalid request: \`target\` should be a non-empty list of ${ENV_TARGETS.join(", ")}.`,
    };
  }
  const type = b.type ?? "encrypted";
  if (!ENV_TYPES.includes(type as (typeof ENV_TYPES)[number])) {
    return { message: `Invalid request: \`type\` should be one of ${ENV_TYPES.join(", ")}.` };
  }
  if (type === "sensitive" && targets.includes("development")) {
    return { message: "Sensitive variables cannot target the development environment." };
  }
  return {
    key: b.key,
    value: b.value,
    type: type as EnvInput["type"],
    target: targets as EnvTarget[],
    ...(typeof b.gitBranch === "string" && b.gitBranch ? { gitBranch: b.gitBranch } : {}),
  };
}
