import { GitHubClient, type GitHubClientOptions } from "../github-client.ts";
import type { Environment } from "./gitflow.ts";

export type DeploymentState =
  | "in_progress"
  | "success"
  | "failure"
  | "error"
  | "inactive"
  | "queued"
  | "pending";

export type GitHubDeploymentsOptions = GitHubClientOptions;

export interface DeploymentRecordRequest {
  sha: string;
  environment: Environment;
  description: string;
  /** The platform's id for the build this record tracks (Vercel dpl_…), kept in the payload. */
  targetDeploymentId: string;
  /** Plain data kept on the record, read back by later runs. */
  payload: Record<string, string | null>;
}

/** A GitHub deployment as garde reads it back. */
export interface DeploymentRecord {
  id: number;
  sha: string;
  environment: string;
  createdAt: string;
  /** The platform build it tracks; null for records garde did not write. */
  targetDeploymentId: string | null;
  payload: Record<string, unknown>;
}

export interface DeploymentStatusRecord {
  state: string;
  description: string;
  environmentUrl: string;
  createdAt: string;
}

/** GitHub deployment records: one per environment and SHA, with statuses that carry the environment URL. */
export class GitHubDeployments extends GitHubClient {
  /** The records of a SHA in an environment: start it early, hand it to ensure(). */
  lookup(sha: string, environment: Environment): Promise<DeploymentRecord[]> {
    return this.call(
      `list GitHub deployments of ${this.opts.repository} ${environment} at ${sha.slice(0, 12)}`,
      () => this.recordsAt(sha, environment),
    );
  }

  private async recordsAt(sha: string, environment: Environment): Promise<DeploymentRecord[]> {
    const response = await this.octokit.request("GET /repos/{owner}/{repo}/deployments", {
      owner: this.owner,
      repo: this.repo,
      sha,
      environment,
      per_page: 100,
    });
    return response.data.map(toRecord);
  }

  /** Reuses the record of the same build (a re-run of the same step), so a re-run adds no duplicate. */
  async ensure(request: DeploymentRecordRequest, existing?: Promise<DeploymentRecord[]>): Promise<number> {
    const where = `${this.opts.repository} ${request.environment} at ${request.sha.slice(0, 12)}`;
    const records = await (existing ?? this.lookup(request.sha, request.environment));
    const found = records.find((r) => r.targetDeploymentId === request.targetDeploymentId);
    if (found) return found.id;
    // Keyed by the build it tracks: a retry after a lost answer finds the record the first attempt made.
    const again = async () =>
      (await this.recordsAt(request.sha, request.environment)).find(
        (r) => r.targetDeploymentId === request.targetDeploymentId,
      )?.id;
    return this.createOnce(`create a GitHub deployment for ${where}`, again, async () => {
      const created = await this.octokit.request("POST /repos/{owner}/{repo}/deployments", {
        owner: this.owner,
        repo: this.repo,
        ref: request.sha,
        environment: request.environment,
        description: request.description.slice(0, 140),
        payload: { ...request.payload, targetDeploymentId: request.targetDeploymentId },
        // garde runs its own checks; GitHub must neither wait for commit statuses nor merge the default branch in.
        required_contexts: [],
        auto_merge: false,
        transient_environment: request.environment === "preview",
        production_environment: request.environment === "production",
      });
      if (created.status !== 201 || !("id" in created.data)) {
        throw new Error(`GitHub did not create the deployment for ${where}: ${JSON.stringify(created.data)}`);
      }
      return Number(created.data.id);
    });
  }

  /** The environment's records, newest first (up to `limit`). */
  async list(environment: Environment, limit = 30): Promise<DeploymentRecord[]> {
    const response = await this.call(
      `list GitHub deployments of ${this.opts.repository} ${environment}`,
      () =>
        this.octokit.request("GET /repos/{owner}/{repo}/deployments", {
          owner: this.owner,
          repo: this.repo,
          environment,
          per_page: Math.min(limit, 100),
        }),
    );
    return response.data.map((d) => ({
      id: Number(d.id),
      sha: d.sha,
      environment: d.environment ?? environment,
      createdAt: d.created_at,
      targetDeploymentId: targetIdOf(d.payload),
      payload:
        typeof d.payload === "object" && d.payload !== null ? (d.payload as Record<string, unknown>) : {},
    }));
  }

  /** A record's statuses, newest first. */
  async statuses(deploymentId: number): Promise<DeploymentStatusRecord[]> {
    const response = await this.call(
      `read the statuses of GitHub deployment ${deploymentId} of ${this.opts.repository}`,
      () =>
        this.octokit.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
          owner: this.owner,
          repo: this.repo,
          deployment_id: deploymentId,
          per_page: 100,
        }),
    );
    return response.data.map((s) => ({
      state: s.state,
      description: s.description ?? "",
      environmentUrl: s.environment_url ?? "",
      createdAt: s.created_at,
    }));
  }

  /** How `head` relates to `base` in the repository's history (GitHub's compare). */
  async compareCommits(
    base: string,
    head: string,
  ): Promise<{ status: "ahead" | "behind" | "identical" | "diverged"; aheadBy: number; behindBy: number }> {
    const compared = await this.call(`compare ${base.slice(0, 12)} with ${head.slice(0, 12)}`, () =>
      this.octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
        owner: this.owner,
        repo: this.repo,
        basehead: `${base}...${head}`,
        per_page: 1,
      }),
    );
    return {
      status: compared.data.status,
      aheadBy: compared.data.ahead_by,
      behindBy: compared.data.behind_by,
    };
  }

  /** The back-merge pull request (opened once), or null when base already has every commit of head. */
  async ensureBackMerge(head: string, base: string, title: string, body: string): Promise<string | null> {
    const compared = await this.call(`compare ${base} with ${head}`, () =>
      this.octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
        owner: this.owner,
        repo: this.repo,
        basehead: `${base}...${head}`,
      }),
    );
    // GitHub refuses a pull request with no commits (422): nothing to merge back.
    if (compared.data.ahead_by === 0) return null;
    const open = await this.call(`list pull requests from ${head} into ${base}`, () =>
      this.octokit.request("GET /repos/{owner}/{repo}/pulls", {
        owner: this.owner,
        repo: this.repo,
        state: "open",
        head: `${this.owner}:${head}`,
        base,
      }),
    );
    const existing = open.data[0];
    if (existing) return existing.html_url;
    const created = await this.call(`open the back-merge pull request from ${head} into ${base}`, () =>
      this.octokit.request("POST /repos/{owner}/{repo}/pulls", {
        owner: this.owner,
        repo: this.repo,
        head,
        base,
        title,
        body,
      }),
    );
    return created.data.html_url;
  }

  async setStatus(
    deploymentId: number,
    state: DeploymentState,
    details: { environmentUrl?: string | undefined; description: string; logUrl?: string | undefined },
  ): Promise<void> {
    const description = details.description.slice(0, 140);
    // A retry after a lost answer: the newest status already saying the same is the one it wrote.
    const written = async () => {
      const response = await this.octokit.request(
        "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        { owner: this.owner, repo: this.repo, deployment_id: deploymentId, per_page: 1 },
      );
      const latest = response.data[0];
      return latest?.state === state && latest.description === description ? true : undefined;
    };
    await this.createOnce(
      `mark GitHub deployment ${deploymentId} of ${this.opts.repository} ${state}`,
      written,
      async () => {
        await this.octokit.request("POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
          owner: this.owner,
          repo: this.repo,
          deployment_id: deploymentId,
          state,
          description,
          ...(details.environmentUrl ? { environment_url: details.environmentUrl } : {}),
          ...(details.logUrl ? { log_url: details.logUrl } : {}),
          auto_inactive: true,
        });
        return true;
      },
    );
  }
}

function targetIdOf(payload: unknown): string | null {
  if (typeof payload !== "object" || payload === null) return null;
  const id = (payload as Record<string, unknown>).targetDeploymentId;
  return typeof id === "string" ? id : null;
}

function toRecord(d: {
  // GitHub's OpenAPI description types ids as number | bigint (json-with-bigint); they fit a double.
  id: number | bigint;
  sha: string;
  environment?: string;
  created_at: string;
  payload: unknown;
}): DeploymentRecord {
  return {
    id: Number(d.id),
    sha: d.sha,
    environment: d.environment ?? "",
    createdAt: d.created_at,
    targetDeploymentId: targetIdOf(d.payload),
    payload:
      typeof d.payload === "object" && d.payload !== null ? (d.payload as Record<string, unknown>) : {},
  };
}

export { classifyGitHubFailure } from "../github-client.ts";
