import { Octokit } from "@octokit/core";
import { paginateRest } from "@octokit/plugin-paginate-rest";
import { RequestError } from "@octokit/request-error";
import { errorMessage } from "./errors.ts";
import { isJsonContentType, MalformedResponseError } from "./malformed-response.ts";
import type { Clock, Reporter } from "./reporter.ts";
import { type FailureVerdict, parseRetryAfter, type RetryPolicy, withRetry } from "./retry.ts";

export interface GitHubClientOptions {
  token: string;
  /** https://api.github.com, GHES, or an emulator. */
  apiUrl: string;
  /** owner/name */
  repository: string;
  clock: Clock;
  reporter: Reporter;
  retry: RetryPolicy;
  random?: () => number;
}

/** Secret-free description of an octokit failure, and whether trying again can help. */
export function classifyGitHubFailure(err: unknown, now: number = Date.now()): FailureVerdict {
  if (MalformedResponseError.is(err)) return { retryable: true, detail: err.message };
  if (err instanceof RequestError) {
    const headers = (err.response?.headers ?? {}) as Record<string, string | undefined>;
    const retryAfterMs =
      parseRetryAfter(headers["retry-after"], now) ??
      (headers["x-ratelimit-remaining"] === "0" && headers["x-ratelimit-reset"]
        ? Math.max(0, Number(headers["x-ratelimit-reset"]) * 1000 - now)
        : undefined);
    const rateLimited = err.status === 429 || (err.status === 403 && retryAfterMs !== undefined);
    const data = err.response?.data as { message?: string } | undefined;
    const detail = `HTTP ${err.status}${data?.message ? ` ${String(data.message).slice(0, 300)}` : ""}`;
    return { retryable: rateLimited || err.status >= 500, status: err.status, retryAfterMs, detail };
  }
  // fetch failures (refused connection, reset) surface as plain errors with status 500 in octokit < 6; be generous.
  return {
    retryable: /ECONNREFUSED|ECONNRESET|fetch failed|socket/i.test(errorMessage(err)),
    detail: errorMessage(err),
  };
}

/**
 * Octokit with pagination, called by route ("POST /repos/{owner}/{repo}/deployments", typed from
 * GitHub's OpenAPI description): not @actions/github's getOctokit, whose proxy plumbing (undici)
 * and REST method table (80 KiB) were parsed before every action's first request. Behind a proxy
 * on a self-hosted runner, Node 24's fetch follows HTTPS_PROXY with NODE_USE_ENV_PROXY=1.
 */
const RestOctokit = Octokit.plugin(paginateRest);

/** One repository's octokit, configured once, with garde's retries around every call. */
export class GitHubClient {
  readonly octokit: InstanceType<typeof RestOctokit>;
  readonly owner: string;
  readonly repo: string;
  protected readonly opts: GitHubClientOptions;

  constructor(opts: GitHubClientOptions) {
    this.opts = opts;
    const [owner = "", repo = ""] = opts.repository.split("/");
    this.owner = owner;
    this.repo = repo;
    this.octokit = new RestOctokit({
      auth: opts.token,
      baseUrl: opts.apiUrl.replace(/\/$/, ""),
      userAgent: "garde",
    });
    // Octokit hands back the text of a JSON answer it could not parse as `data`: a success cut
    // short would reach garde as a string where an object or a list belongs.
    this.octokit.hook.after("request", (response, options) => {
      const contentType = String((response.headers as Record<string, unknown>)["content-type"] ?? "");
      if (typeof response.data === "string" && isJsonContentType(contentType)) {
        throw new MalformedResponseError(
          "GitHub",
          `${options.method} ${String(options.url)}`,
          Buffer.byteLength(response.data),
        );
      }
    });
  }

  call<T>(operation: string, send: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(operation, send, (err) => classifyGitHubFailure(err, this.opts.clock.now()), {
      policy: this.opts.retry,
      clock: this.opts.clock,
      reporter: this.opts.reporter,
      random: this.opts.random,
    });
  }

  /**
   * A call that creates (a deployment, a status, an issue), retried safely: an attempt that
   * failed may still have created it (a 502 after the write, a cut connection), so every retry
   * first looks for it and creates only when it is not there.
   */
  createOnce<T>(operation: string, find: () => Promise<T | undefined>, create: () => Promise<T>): Promise<T> {
    return this.call(operation, async (attempt) => (attempt > 1 ? await find() : undefined) ?? create());
  }
}
