import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { ServedBuild } from "../app-server.ts";
import type { EmulatorResponse } from "../http-server.ts";
import type { ProjectEnv } from "./env.ts";

export type ReadyState = "QUEUED" | "INITIALIZING" | "BUILDING" | "READY" | "ERROR" | "CANCELED";

/** A Vercel deployment: a build of the sample app (files, routes, variables) with Vercel's state. */
export interface EmulatedDeployment extends ServedBuild {
  projectId: string;
  name: string;
  sha: string;
  ref: string;
  target: "production" | null;
  readyState: ReadyState;
  readySubstate: "STAGED" | "ROLLING" | "PROMOTED" | undefined;
  /** Has served production once: what makes it an Instant Rollback candidate. */
  servedProduction: boolean;
  errorMessage: string | null;
  createdAt: number;
  buildingAt: number;
  readyAt: number | undefined;
  meta: Record<string, string>;
  host: string;
  server: Server;
}

/** The last promote or rollback asked of a project, as `vercel promote|rollback status` reads it. */
export interface AliasRequest {
  type: "promote" | "rollback";
  jobStatus: "pending" | "in-progress" | "succeeded" | "failed" | "skipped";
  requestedAt: number;
  fromDeploymentId: string | null;
  toDeploymentId: string;
}

export interface EmulatedProject {
  id: string;
  name: string;
  accountId: string;
  autoAssignCustomDomains: boolean;
  productionDeploymentId: string | null;
  /** The domain production answers on, moved to each deployment promoted. */
  productionDomain: string;
  env: ProjectEnv;
  lastAliasRequest: AliasRequest | null;
  /** Set by an Instant Rollback, cleared by the next promote: the project is "rolled back". */
  rolledBack: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface AliasRecord {
  uid: string;
  alias: string;
  deploymentId: string;
  projectId: string;
  createdAt: number;
}

/** Ids shaped as Vercel's: a prefix and 28 letters and digits. */
export function vercelId(prefix: string): string {
  return `${prefix}_${randomBytes(21).toString("base64url").replace(/[-_]/g, "x").slice(0, 28)}`;
}

export const vercelError = (status: number, code: string, message: string): EmulatorResponse => ({
  status,
  body: { error: { code, message } },
});
