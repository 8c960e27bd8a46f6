import type { Environment } from "../deploy/gitflow.ts";

/** Lifecycle states, Vercel's vocabulary (the most detailed of the platforms garde targets). */
export type ReadyState = "QUEUED" | "INITIALIZING" | "BUILDING" | "READY" | "ERROR" | "CANCELED" | "BLOCKED";

export const FAILED_STATES: ReadonlySet<ReadyState> = new Set(["ERROR", "CANCELED", "BLOCKED"]);

export interface TargetDeployment {
  id: string;
  /** Absolute URL that answers HTTP for this deployment alone. */
  url: string;
  state: ReadyState;
  /** "production" for production builds (staged or live), null for previews. */
  target: "production" | null;
  /** Why the build failed, when it did. */
  errorMessage: string | null;
  /** The git commit it was built from, when the platform says. */
  sha?: string | null;
}

export interface CreateDeploymentRequest {
  sha: string;
  branch: string;
  environment: Environment;
  /** Production built without taking the production domains. */
  staged: boolean;
  /** Plain labels recorded on the deployment (version, rule). */
  meta: Record<string, string>;
}

/** A platform that builds a git SHA into a URL and can make a build the live production one. */
export interface DeployTarget {
  readonly platform: string;
  create(request: CreateDeploymentRequest): Promise<TargetDeployment>;
  get(id: string): Promise<TargetDeployment>;
  /** Makes a READY production build serve the production domains; resolves once it does. */
  promote(id: string): Promise<void>;
  /** The deployment serving the production domains now, if any. */
  currentProduction(): Promise<TargetDeployment | null>;
  /**
   * Points the production domains back at an earlier production deployment (Vercel's Instant
   * Rollback); resolves once they serve it. Doing it again when it already serves is a no-op.
   */
  rollback(id: string): Promise<void>;
  /** Points a stable alias (the staging domain) at a deployment; returns what it pointed at before. */
  assignAlias(id: string, alias: string): Promise<{ previousDeploymentId: string | null }>;
}

/** A platform that keeps a project's environment variables (what a redeploy picks up). */
export interface EnvironmentVariables {
  /** Creates or replaces a sensitive variable for production. */
  setSensitive(key: string, value: string): Promise<void>;
  /** Removes a production variable; false when there was none. Builds made before keep theirs. */
  removeVariable(key: string): Promise<boolean>;
}

export function hasEnvironmentVariables(target: object): target is EnvironmentVariables {
  return typeof (target as Partial<EnvironmentVariables>).setSensitive === "function";
}
