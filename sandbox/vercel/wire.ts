/**
 * The emulator's state as Vercel's REST API answers it. Each shape is checked against the
 * @vercel/sdk model type of the endpoint (`satisfies`), the source of truth for the fields it covers.
 */
import type { CreateDeploymentResponseBody2 } from "@vercel/sdk/models/createdeploymentresponsebody.js";
import type { GetDeploymentResponseBody2 } from "@vercel/sdk/models/getdeploymentresponsebody1.js";
import type { Deployments } from "@vercel/sdk/models/getdeploymentsop.js";
import type { GetProjectTargets } from "@vercel/sdk/models/getprojectfrompreset.js";
import type { GetProjectResponseBody } from "@vercel/sdk/models/getprojectresponsebody.js";
import type { ListAliasesAliases } from "@vercel/sdk/models/listaliasesop.js";
import type { ResponseBodyProjects } from "@vercel/sdk/models/responsebodyabuse.js";
import { SANDBOX_TEAM, SANDBOX_USER } from "./account.ts";
import type { AliasRecord, EmulatedDeployment, EmulatedProject } from "./model.ts";

const CREATOR = { uid: SANDBOX_USER.id, username: SANDBOX_USER.username };

/** GET /v13/deployments/:id and POST /v13/deployments. */
export function wireDeployment(d: EmulatedDeployment, ownerId: string, aliases: string[]) {
  const body = {
    id: d.id,
    url: d.host,
    name: d.name,
    projectId: d.projectId,
    ownerId,
    team: { id: SANDBOX_TEAM.id, name: SANDBOX_TEAM.name, slug: SANDBOX_TEAM.slug },
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
    alias: aliases,
    aliasAssigned: d.readySubstate === "PROMOTED",
    buildSkipped: false,
    inspectorUrl: null,
    isInConcurrentBuildsQueue: false,
    isInSystemBuildsQueue: false,
    isRollbackCandidate: d.servedProduction,
    projectSettings: {},
    version: 2 as const,
    lambdas: [],
    source: "git" as const,
    gitSource: { type: "github" as const, org: "garde", repo: "sample-app", ref: d.ref, sha: d.sha },
  };
  return body satisfies GetDeploymentResponseBody2 & CreateDeploymentResponseBody2;
}

/** One row of GET /v6/deployments (`vercel ls`). */
export function listedDeployment(d: EmulatedDeployment): Deployments {
  return {
    uid: d.id,
    name: d.name,
    url: d.host,
    created: d.createdAt,
    createdAt: d.createdAt,
    buildingAt: d.buildingAt,
    ...(d.readyAt ? { ready: d.readyAt } : {}),
    state: d.readyState,
    readyState: d.readyState,
    ...(d.readySubstate ? { readySubstate: d.readySubstate } : {}),
    ...(d.errorMessage ? { errorMessage: d.errorMessage, errorCode: "BUILD_FAILED" } : {}),
    type: "LAMBDAS",
    creator: { ...CREATOR, email: SANDBOX_USER.email },
    meta: d.meta,
    target: d.target,
    aliasAssigned: d.readySubstate === "PROMOTED",
    isRollbackCandidate: d.servedProduction,
    inspectorUrl: null,
    projectId: d.projectId,
    source: "git",
  };
}

/**
 * GET /v11/deployments/:id/builds, which `vercel inspect` reads: a static build of public/, its
 * output the files served (the endpoint is not in the SDK; the shape is the CLI's reading of it).
 */
export function wireBuilds(d: EmulatedDeployment) {
  const readyState = d.readyState;
  return {
    builds: [
      {
        id: `bld_${d.id.slice(4)}`,
        deploymentId: d.id,
        entrypoint: "public",
        use: "@vercel/static",
        readyState,
        createdAt: d.buildingAt,
        readyStateAt: d.readyAt ?? d.buildingAt,
        output: [...d.files.entries()].map(([path, bytes]) => ({
          type: "file",
          path: path.slice(1),
          size: bytes.length,
        })),
      },
    ],
  };
}

/** GET /v9/projects/:id; with rollbackInfo the last promote or rollback as well. */
export function wireProject(
  p: EmulatedProject,
  live: EmulatedDeployment | undefined,
  rollbackInfo: boolean,
): GetProjectResponseBody & Pick<ResponseBodyProjects, "serverlessFunctionRegion"> {
  const target: GetProjectTargets | undefined = live && {
    id: live.id,
    url: live.host,
    name: live.name,
    alias: [p.productionDomain],
    aliasAssigned: live.readyAt ?? live.createdAt,
    createdAt: live.createdAt,
    createdIn: "sfo1",
    creator: { ...CREATOR, email: SANDBOX_USER.email },
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
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    directoryListing: false,
    nodeVersion: "22.x",
    serverlessFunctionRegion: "iad1",
    ...(target ? { targets: { production: target } } : {}),
    latestDeployments: [],
    resourceConfig: { fluid: false, functionDefaultRegions: ["iad1"] },
    defaultResourceConfig: { fluid: false, functionDefaultRegions: ["iad1"] },
    deploymentExpiration: { expirationDays: 180 },
    ...(rollbackInfo
      ? { lastAliasRequest: p.lastAliasRequest, lastRollbackTarget: p.rolledBack ? {} : null }
      : {}),
  };
}

/** A row of GET /v4/aliases (and the legacy /v3/now/aliases the CLI's `alias ls` reads). */
export function wireAlias(a: AliasRecord, d: EmulatedDeployment | undefined) {
  const row = {
    uid: a.uid,
    alias: a.alias,
    created: new Date(a.createdAt),
    createdAt: a.createdAt,
    updatedAt: a.createdAt,
    deploymentId: a.deploymentId,
    projectId: a.projectId,
    creator: { ...CREATOR, email: SANDBOX_USER.email },
    ...(d ? { deployment: { id: d.id, url: d.host } } : {}),
  } satisfies ListAliasesAliases;
  // On the wire a date is an ISO string; the SDK parses it into a Date.
  return { ...row, created: row.created.toISOString() };
}
