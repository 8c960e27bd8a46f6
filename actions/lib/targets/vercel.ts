import { randomUUID } from "node:crypto";
import { VercelCore } from "@vercel/sdk/core.js";
import { HTTPClient } from "@vercel/sdk/lib/http.js";
import {
  ConnectionError,
  RequestTimeoutError,
  UnexpectedClientError,
} from "@vercel/sdk/models/httpclienterrors.js";
import { ResponseValidationError } from "@vercel/sdk/models/responsevalidationerror.js";
import { VercelError } from "@vercel/sdk/models/vercelerror.js";
import { CheckFailedError, errorMessage } from "../errors.ts";
import { isLoopbackHost } from "../loopback.ts";
import { assertJson, endpointOf, isJsonContentType, MalformedResponseError } from "../malformed-response.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { type FailureVerdict, parseRetryAfter, type RetryPolicy, withRetry } from "../retry.ts";
import type {
  CreateDeploymentRequest,
  DeployTarget,
  EnvironmentVariables,
  ReadyState,
  TargetDeployment,
} from "./target.ts";

export interface VercelTargetOptions {
  token: string;
  /** Project id or name. */
  project: string;
  teamId?: string | undefined;
  /** https://api.vercel.com, or an emulator. */
  apiUrl: string;
  /** owner/name of the GitHub repository the project builds from. */
  repository: string;
  clock: Clock;
  reporter: Reporter;
  retry: RetryPolicy;
  random?: () => number;
  /** How long promotion may take to reach the production domains. */
  promoteTimeoutMs?: number;
}

type Result<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** What a create answers (in full, or short when the build failed at once), or the listed build a retry found. */
type Created = { id: string } | { id: string; url: string; readyState?: unknown; target?: unknown };

/** Meta key holding the key of the create call that made a deployment. */
const DEDUP_META = "gardeCreateKey";

/**
 * Each SDK function is imported on first use: their response schemas are large, and building
 * them all up front cost the deploy action ~400 ms before its first request.
 */
const sdk = {
  getDeployments: () =>
    import("@vercel/sdk/funcs/deploymentsGetDeployments.js").then((m) => m.deploymentsGetDeployments),
  createDeployment: () =>
    import("@vercel/sdk/funcs/deploymentsCreateDeployment.js").then((m) => m.deploymentsCreateDeployment),
  getDeployment: () =>
    import("@vercel/sdk/funcs/deploymentsGetDeployment.js").then((m) => m.deploymentsGetDeployment),
  getProject: () => import("@vercel/sdk/funcs/projectsGetProject.js").then((m) => m.projectsGetProject),
  updateProject: () =>
    import("@vercel/sdk/funcs/projectsUpdateProject.js").then((m) => m.projectsUpdateProject),
  requestPromote: () =>
    import("@vercel/sdk/funcs/projectsRequestPromote.js").then((m) => m.projectsRequestPromote),
  requestRollback: () =>
    import("@vercel/sdk/funcs/projectsRequestRollback.js").then((m) => m.projectsRequestRollback),
  assignAlias: () => import("@vercel/sdk/funcs/aliasesAssignAlias.js").then((m) => m.aliasesAssignAlias),
  createProjectEnv: () =>
    import("@vercel/sdk/funcs/projectsCreateProjectEnv.js").then((m) => m.projectsCreateProjectEnv),
  filterProjectEnvs: () =>
    import("@vercel/sdk/funcs/projectsFilterProjectEnvs.js").then((m) => m.projectsFilterProjectEnvs),
  removeProjectEnv: () =>
    import("@vercel/sdk/funcs/projectsRemoveProjectEnv.js").then((m) => m.projectsRemoveProjectEnv),
};

/** Secret-free description of a Vercel SDK failure, and whether trying again can help. */
export function classifyVercelFailure(err: unknown, now: number = Date.now()): FailureVerdict {
  // A success whose body does not parse (see checkJson), or parses into something else than
  // Vercel's schema: the answer was damaged on the way, as a 502 would be.
  const malformed = err instanceof UnexpectedClientError ? err.cause : err;
  if (MalformedResponseError.is(malformed)) return { retryable: true, detail: malformed.message };
  if (err instanceof ResponseValidationError) {
    const endpoint = err.rawResponse.url ? endpointOf("", err.rawResponse.url).trim() : "an endpoint";
    return {
      retryable: true,
      status: err.statusCode,
      detail: `Vercel answered ${endpoint} with JSON that does not match its API schema (HTTP ${err.statusCode})`,
    };
  }
  if (err instanceof VercelError) {
    const status = err.statusCode;
    const apiMessage = vercelApiMessage(err.body);
    const detail = `HTTP ${status}${apiMessage ? ` ${apiMessage}` : ""}`;
    const retryable = status === 429 || status >= 500;
    return { retryable, status, detail, retryAfterMs: parseRetryAfter(err.headers.get("retry-after"), now) };
  }
  if (err instanceof ConnectionError || err instanceof RequestTimeoutError) {
    return { retryable: true, detail: `${err.name}: ${err.message}` };
  }
  return { retryable: false, detail: errorMessage(err) };
}

/** An HTTP client that refuses a success announced as JSON whose body does not parse. */
function checkedHttpClient(): HTTPClient {
  return new HTTPClient().addHook("response", async (res, req) => {
    if (res.status >= 300 || !isJsonContentType(res.headers.get("content-type"))) return;
    assertJson("Vercel", endpointOf(req.method, req.url), await res.clone().text());
  });
}

/** Vercel answers errors as {"error":{"code","message"}}. */
function vercelApiMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    const { code, message } = parsed.error ?? {};
    return [code, message].filter(Boolean).join(": ").slice(0, 300);
  } catch {
    return "";
  }
}

/** Loopback emulators serve plain HTTP; Vercel itself only HTTPS. */
export function deploymentUrl(host: string): string {
  if (/^https?:\/\//.test(host)) return host;
  const local = isLoopbackHost(host.replace(/:\d+$/, ""));
  return `${local ? "http" : "https"}://${host}`;
}

function readyStateOf(value: unknown): ReadyState {
  const known: ReadyState[] = ["QUEUED", "INITIALIZING", "BUILDING", "READY", "ERROR", "CANCELED", "BLOCKED"];
  return known.includes(value as ReadyState) ? (value as ReadyState) : "QUEUED";
}

export class VercelTarget implements DeployTarget, EnvironmentVariables {
  readonly platform = "vercel";
  private readonly core: VercelCore;
  private readonly opts: VercelTargetOptions;

  constructor(opts: VercelTargetOptions) {
    this.opts = opts;
    // The SDK's own retries are off: garde's retry honours Retry-After, logs each retry and uses the injected clock.
    this.core = new VercelCore({
      bearerToken: opts.token,
      serverURL: opts.apiUrl,
      retryConfig: { strategy: "none" },
      httpClient: checkedHttpClient(),
      timeoutMs: 30_000,
      userAgent: "garde-deploy",
    });
  }

  private async call<T>(operation: string, send: (attempt: number) => Promise<Result<T>>): Promise<T> {
    return withRetry(
      operation,
      async (attempt) => {
        const result = await send(attempt);
        if (!result.ok) throw result.error;
        return result.value;
      },
      (err) => classifyVercelFailure(err, this.opts.clock.now()),
      {
        policy: this.opts.retry,
        clock: this.opts.clock,
        reporter: this.opts.reporter,
        random: this.opts.random,
      },
    );
  }

  private get scope() {
    return this.opts.teamId ? { teamId: this.opts.teamId } : {};
  }

  async create(request: CreateDeploymentRequest): Promise<TargetDeployment> {
    const production = request.environment === "production";
    if (production && request.staged) await this.ensureStagedProduction();
    const [org = "", repo = ""] = this.opts.repository.split("/");
    // Each create carries its own key: a retry after a lost answer finds the build the first attempt started.
    const dedup = randomUUID();
    const created = await this.call(
      `create a ${request.environment} deployment of ${request.sha.slice(0, 12)} for Vercel project ${this.opts.project}`,
      async (attempt): Promise<Result<Created>> => {
        if (attempt > 1) {
          const earlier = await this.createdEarlier(request.sha, dedup);
          if (!earlier.ok || earlier.value) return earlier as Result<Created>;
        }
        return (await sdk.createDeployment())(this.core, {
          ...this.scope,
          requestBody: {
            name: this.opts.project,
            project: this.opts.project,
            ...(production ? { target: "production" } : {}),
            gitSource: { type: "github", org, repo, ref: request.branch, sha: request.sha },
            meta: {
              githubCommitSha: request.sha,
              githubCommitRef: request.branch,
              githubOrg: org,
              githubRepo: repo,
              ...request.meta,
              [DEDUP_META]: dedup,
            },
          },
        });
      },
    );
    // The API's short answer (an error during creation) has no url: read the deployment in full.
    if (!("url" in created)) return this.get(created.id);
    return {
      id: created.id,
      url: deploymentUrl(created.url),
      state: readyStateOf(created.readyState),
      target: created.target === "production" ? "production" : null,
      errorMessage: null,
    };
  }

  /** The deployment of `sha` a create with this key made, if any (newest 20 of the commit). */
  private async createdEarlier(sha: string, dedup: string): Promise<Result<Created | undefined>> {
    const listed = await (await sdk.getDeployments())(this.core, {
      ...this.scope,
      projectId: this.opts.project,
      sha,
      limit: 20,
    });
    if (!listed.ok) return listed;
    const found = listed.value.deployments.find((d) => d.meta?.[DEDUP_META] === dedup);
    return {
      ok: true,
      value: found && { id: found.uid, url: found.url, readyState: found.readyState, target: found.target },
    };
  }

  async get(id: string): Promise<TargetDeployment> {
    const d = await this.call(`read deployment ${id} of Vercel project ${this.opts.project}`, async () =>
      (await sdk.getDeployment())(this.core, { ...this.scope, idOrUrl: id }),
    );
    const errorText = "errorMessage" in d && typeof d.errorMessage === "string" ? d.errorMessage : null;
    return {
      id: d.id,
      url: "url" in d ? deploymentUrl(d.url) : "",
      state: readyStateOf(d.readyState),
      target: d.target === "production" ? "production" : null,
      errorMessage: errorText,
      sha: ("meta" in d && (d.meta as Record<string, string> | undefined)?.githubCommitSha) || null,
    };
  }

  /**
   * Staged production needs the project's "Auto-assign Custom Production Domains" off: the
   * REST API has no per-deployment switch for it (the CLI's --skip-domain relies on the same setting).
   */
  private async ensureStagedProduction(): Promise<void> {
    const project = await this.call(`read Vercel project ${this.opts.project}`, async () =>
      (await sdk.getProject())(this.core, { ...this.scope, idOrName: this.opts.project }),
    );
    if (project.autoAssignCustomDomains === false) return;
    this.opts.reporter.warn(
      `Vercel project ${this.opts.project} assigned production domains automatically; turning that off so production deploys are staged and promoted only after checks.`,
    );
    await this.call(
      `turn off automatic production domains on Vercel project ${this.opts.project}`,
      async () =>
        (await sdk.updateProject())(this.core, {
          ...this.scope,
          idOrName: this.opts.project,
          requestBody: { autoAssignCustomDomains: false },
        }),
    );
  }

  async promote(id: string): Promise<void> {
    await this.moveProduction(id, "promote", async (projectId) =>
      (await sdk.requestPromote())(this.core, { ...this.scope, projectId, deploymentId: id }),
    );
  }

  async rollback(id: string): Promise<void> {
    await this.moveProduction(id, "roll back", async (projectId) =>
      (await sdk.requestRollback())(this.core, { ...this.scope, projectId, deploymentId: id }),
    );
  }

  /** Promote and rollback are both asynchronous (201/202): done when the project's production target is `id`. */
  private async moveProduction(id: string, verb: string, send: (projectId: string) => Promise<Result<void>>) {
    const what = `${verb} Vercel project ${this.opts.project} production to deployment ${id}`;
    const project = await this.call(`read Vercel project ${this.opts.project}`, async () =>
      (await sdk.getProject())(this.core, { ...this.scope, idOrName: this.opts.project }),
    );
    if (project.targets?.production?.id === id) return;
    await this.call(what, () => send(project.id));
    const timeoutMs = this.opts.promoteTimeoutMs ?? 120_000;
    const deadline = this.opts.clock.now() + timeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      const current = await this.currentProduction();
      if (current?.id === id) return;
      if (this.opts.clock.now() >= deadline) {
        throw new CheckFailedError(
          `Failed to ${what}: the production domains still serve ${current?.id ?? "nothing"} after ${Math.round(timeoutMs / 1000)} s`,
        );
      }
      await this.opts.clock.sleep(delay);
    }
  }

  async currentProduction(): Promise<TargetDeployment | null> {
    const project = await this.call(`read Vercel project ${this.opts.project}`, async () =>
      (await sdk.getProject())(this.core, { ...this.scope, idOrName: this.opts.project }),
    );
    const live = project.targets?.production;
    if (!live) return null;
    return {
      id: live.id,
      url: deploymentUrl(live.url),
      state: readyStateOf(live.readyState),
      target: "production",
      errorMessage: null,
    };
  }

  async setSensitive(key: string, value: string): Promise<void> {
    await this.call(`set the sensitive variable ${key} of Vercel project ${this.opts.project}`, async () =>
      (await sdk.createProjectEnv())(this.core, {
        ...this.scope,
        idOrName: this.opts.project,
        upsert: "true",
        requestBody: { key, value, type: "sensitive", target: ["production"] },
      }),
    );
  }

  async removeVariable(key: string): Promise<boolean> {
    const { project } = this.opts;
    const listed = await this.call(`list the variables of Vercel project ${project}`, async () =>
      (await sdk.filterProjectEnvs())(this.core, { ...this.scope, idOrName: project }),
    );
    const envs = "envs" in listed ? listed.envs : [listed];
    const production = envs.filter((e) => {
      const target = e.target === undefined ? [] : Array.isArray(e.target) ? e.target : [e.target];
      return e.key === key && e.id && target.includes("production" as never);
    });
    for (const env of production) {
      await this.call(`remove the variable ${key} of Vercel project ${project}`, async () =>
        (await sdk.removeProjectEnv())(this.core, { ...this.scope, idOrName: project, id: env.id as string }),
      );
    }
    return production.length > 0;
  }

  async assignAlias(id: string, alias: string): Promise<{ previousDeploymentId: string | null }> {
    const assigned = await this.call(`point alias ${alias} at deployment ${id}`, async () =>
      (await sdk.assignAlias())(this.core, { ...this.scope, id, requestBody: { alias } }),
    );
    return { previousDeploymentId: assigned.oldDeploymentId ?? null };
  }
}
