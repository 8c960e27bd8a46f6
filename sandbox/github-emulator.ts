import type { components } from "@octokit/openapi-types";
import sodium from "libsodium-wrappers";
import { type EmulatorResponse, JsonRouter, type ListenOptions } from "./http-server.ts";

/** GitHub ids fit in a JS number; the OpenAPI description allows bigint for the future. */
type Deployment = components["schemas"]["deployment"] & { id: number };
type DeploymentStatus = components["schemas"]["deployment-status"];
type CommitStatus = components["schemas"]["status"];
type SimpleUser = components["schemas"]["simple-user"];
type Issue = components["schemas"]["issue"] & { number: number };
type IssueComment = components["schemas"]["issue-comment"];
/** The pull-request fields garde reads, as the schema types them (the full object is vast). */
type PullRequest = Pick<
  components["schemas"]["pull-request"],
  "id" | "number" | "state" | "title" | "body" | "html_url" | "url" | "created_at"
> & {
  head: Pick<components["schemas"]["pull-request"]["head"], "ref" | "label" | "sha">;
  base: Pick<components["schemas"]["pull-request"]["base"], "ref" | "label" | "sha">;
};

/** GitHub's limit on an issue comment body, and how it refuses a longer one. */
const COMMENT_LIMIT = 65_536;
const COMMENT_TOO_LONG = "Validation Failed: body is too long (maximum is 65536 characters)";

const STATES = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"] as const;

const ghError = (status: number, message: string): EmulatorResponse => ({
  status,
  body: { message, documentation_url: "https://docs.github.com/rest/deployments", status: String(status) },
});

/** A stateful stand-in for the GitHub REST endpoints of deployments and deployment statuses. */
/** What compare needs of the repository: resolved shas, merge base, commits ahead and behind. */
export type CompareRefs = (
  base: string,
  head: string,
) => { base: string; head: string; mergeBase: string; ahead: number; behind: number } | undefined;

export class GitHubEmulator {
  readonly router = new JsonRouter();
  readonly deployments: Deployment[] = [];
  readonly statuses = new Map<number, DeploymentStatus[]>();
  /** Commit statuses by SHA, oldest first, as CI systems post them. */
  readonly commitStatuses = new Map<string, CommitStatus[]>();
  readonly issues: Issue[] = [];
  readonly pulls: PullRequest[] = [];
  /** Actions secrets as GitHub keeps them: sealed to the repository key. Tests open them with the private key. */
  readonly actionsSecrets = new Map<string, { encrypted: string; keyId: string; updatedAt: string }>();
  /** The repository's Actions sealing key pair, made in start() once libsodium is ready. */
  private sealKeys!: { publicKey: Uint8Array; privateKey: Uint8Array };
  private readonly sealKeyId = "568250167242549743";
  readonly comments = new Map<number, IssueComment[]>();
  private nextId = 1000;
  url = "";
  private readonly bot: SimpleUser;

  /** The commit a branch, tag or SHA names in the repository; without one, only full SHAs resolve. */
  private readonly resolveRef: (ref: string) => string | undefined;
  private readonly compareRefs: CompareRefs | undefined;
  private readonly mergeInto: ((source: string, into: string) => string | undefined) | undefined;
  readonly defaultBranch: string;

  constructor(opts: {
    token: string;
    resolveRef?: (ref: string) => string | undefined;
    /** The repository's history, for compare and for refusing a pull request with no commits. */
    compareRefs?: CompareRefs;
    /**
     * Merges a branch into another with a merge commit (its SHA), or undefined on a conflict: what
     * a deployment's auto_merge does to a branch behind the default branch.
     */
    mergeInto?: (source: string, into: string) => string | undefined;
    defaultBranch?: string;
  }) {
    this.compareRefs = opts.compareRefs;
    this.mergeInto = opts.mergeInto;
    this.defaultBranch = opts.defaultBranch ?? "main";
    this.resolveRef = opts.resolveRef ?? ((ref) => (/^[0-9a-f]{40}$/.test(ref) ? ref : undefined));
    this.bot = GitHubEmulator.user("github-actions[bot]", 41898282);
    this.router.setAuthorizer((req) => {
      const auth = req.headers.authorization ?? "";
      return auth === `token ${opts.token}` || auth === `Bearer ${opts.token}`
        ? null
        : ghError(401, "Bad credentials");
    });
    this.router
      .on("GET", "/repos/:owner/:repo/deployments", (r) => this.list(r.params, r.query))
      .on("POST", "/repos/:owner/:repo/deployments", (r) => this.create(r.params, r.body))
      .on("GET", "/repos/:owner/:repo/deployments/:id", (r) => this.get(r.params))
      .on("GET", "/repos/:owner/:repo/deployments/:id/statuses", (r) => this.listStatuses(r.params))
      .on("POST", "/repos/:owner/:repo/deployments/:id/statuses", (r) => this.createStatus(r.params, r.body))
      .on("GET", "/repos/:owner/:repo/actions/secrets/public-key", () => ({
        status: 200,
        body: {
          key_id: this.sealKeyId,
          key: sodium.to_base64(this.sealKeys.publicKey, sodium.base64_variants.ORIGINAL),
        },
      }))
      .on("PUT", "/repos/:owner/:repo/actions/secrets/:name", (r) =>
        this.putSecret(r.params.name ?? "", r.body),
      )
      .on("GET", "/repos/:owner/:repo/actions/secrets/:name", (r) => this.getSecret(r.params.name ?? ""))
      .on("DELETE", "/repos/:owner/:repo/actions/secrets/:name", (r) =>
        this.actionsSecrets.delete(r.params.name ?? "") ? { status: 204 } : ghError(404, "Not Found"),
      )
      .on("GET", "/repos/:owner/:repo/compare/:basehead", (r) => this.compare(r.params))
      .on("POST", "/repos/:owner/:repo/statuses/:sha", (r) => this.createCommitStatus(r.params, r.body))
      .on("GET", "/repos/:owner/:repo/commits/:ref/statuses", (r) =>
        this.listCommitStatuses(r.params, r.query),
      )
      .on("GET", "/repos/:owner/:repo/pulls", (r) => this.listPulls(r.params, r.query))
      .on("POST", "/repos/:owner/:repo/pulls", (r) => this.createPull(r.params, r.body))
      .on("GET", "/repos/:owner/:repo/issues", (r) => this.listIssues(r.params, r.query))
      .on("POST", "/repos/:owner/:repo/issues", (r) => this.createIssue(r.params, r.body))
      .on("POST", "/repos/:owner/:repo/issues/:number/comments", (r) => this.createComment(r.params, r.body))
      .on("GET", "/repos/:owner/:repo/issues/:number/comments", (r) => this.listComments(r.params, r.query))
      .on("PATCH", "/repos/:owner/:repo/issues/comments/:id", (r) => this.updateComment(r.params, r.body))
      .on("DELETE", "/repos/:owner/:repo/issues/comments/:id", (r) => this.deleteComment(r.params));
  }

  /**
   * A user as GitHub describes one. A bot's login holds "[bot]", which GitHub escapes in its URLs
   * (…/users/github-actions%5Bbot%5D) so that every URL field is a valid URI; its page is the app's.
   */
  static user(login: string, id: number): SimpleUser {
    const bot = login.endsWith("[bot]");
    const base = `https://api.github.com/users/${encodeURIComponent(login)}`;
    return {
      login,
      id,
      node_id: `MDQ6VXNlcj${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: "",
      url: base,
      html_url: bot
        ? `https://github.com/apps/${login.slice(0, -"[bot]".length)}`
        : `https://github.com/${login}`,
      followers_url: `${base}/followers`,
      following_url: `${base}/following{/other_user}`,
      gists_url: `${base}/gists{/gist_id}`,
      starred_url: `${base}/starred{/owner}{/repo}`,
      subscriptions_url: `${base}/subscriptions`,
      organizations_url: `${base}/orgs`,
      repos_url: `${base}/repos`,
      events_url: `${base}/events{/privacy}`,
      received_events_url: `${base}/received_events`,
      type: bot ? "Bot" : "User",
      site_admin: false,
    };
  }

  async start(opts: ListenOptions = {}): Promise<string> {
    await sodium.ready;
    this.sealKeys = sodium.crypto_box_keypair();
    this.url = await this.router.listen(opts);
    return this.url;
  }

  private repoUrl(p: Record<string, string>): string {
    return `${this.url}/repos/${p.owner}/${p.repo}`;
  }

  private list(p: Record<string, string>, q: URLSearchParams): EmulatorResponse {
    const repoUrl = this.repoUrl(p);
    const perPage = Math.min(Number(q.get("per_page") ?? 30), 100);
    const page = Number(q.get("page") ?? 1);
    const matching = this.deployments
      .filter((d) => d.repository_url === repoUrl)
      .filter((d) => !q.get("sha") || d.sha === q.get("sha"))
      .filter((d) => !q.get("ref") || d.ref === q.get("ref"))
      .filter((d) => !q.get("environment") || d.environment === q.get("environment"))
      .sort((a, b) => b.id - a.id);
    return { status: 200, body: matching.slice((page - 1) * perPage, page * perPage) };
  }

  private find(p: Record<string, string>): Deployment | undefined {
    return this.deployments.find((d) => d.id === Number(p.id) && d.repository_url === this.repoUrl(p));
  }

  private create(p: Record<string, string>, body: unknown): EmulatorResponse {
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.ref !== "string" || !b.ref)
      return ghError(422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
    const sha = this.resolveRef(b.ref);
    if (!sha) return ghError(422, `No ref found for: ${b.ref}`);
    // GitHub's two guards before it records a deployment: the default branch merged in
    // (auto_merge, on unless false), then every required commit status a success.
    if (b.auto_merge !== false) {
      const merged = this.autoMerge(b.ref, sha);
      if (merged.response) return merged.response;
    }
    const failed = this.failedContexts(sha, b.required_contexts);
    if (failed.length) {
      return {
        status: 409,
        body: {
          message: `Conflict: Commit status checks failed for ${b.ref}.`,
          errors: [
            {
              contexts: failed,
              resource: "Deployment",
              field: "required_contexts",
              code: "invalid",
            },
          ],
          documentation_url: "https://docs.github.com/rest/deployments/deployments#create-a-deployment",
          status: "409",
        },
      };
    }
    const environment = typeof b.environment === "string" ? b.environment : "production";
    const id = this.nextId++;
    const now = new Date().toISOString();
    const url = `${this.repoUrl(p)}/deployments/${id}`;
    const deployment: Deployment = {
      url,
      id,
      node_id: `DE_kwDO${id}`,
      sha,
      ref: b.ref,
      task: typeof b.task === "string" ? b.task : "deploy",
      payload: (b.payload as Record<string, unknown>) ?? {},
      original_environment: environment,
      environment,
      description: typeof b.description === "string" ? b.description : null,
      creator: this.bot,
      created_at: now,
      updated_at: now,
      statuses_url: `${url}/statuses`,
      repository_url: this.repoUrl(p),
      transient_environment: b.transient_environment === true,
      production_environment: b.production_environment === true || environment === "production",
    };
    this.deployments.push(deployment);
    this.statuses.set(id, []);
    return { status: 201, body: deployment };
  }

  /**
   * auto_merge: a ref behind the default branch gets it merged in. A branch gets a merge commit and
   * the answer 202 with no deployment (the caller deploys again); a SHA cannot take a merge: 409.
   */
  private autoMerge(ref: string, sha: string): { response?: EmulatorResponse } {
    const behind = this.compareRefs?.(this.defaultBranch, sha)?.behind ?? 0;
    if (behind === 0) return {};
    const isBranch = ref !== sha && this.resolveRef(`refs/heads/${ref}`) !== undefined;
    const merged = isBranch ? this.mergeInto?.(this.defaultBranch, ref) : undefined;
    if (!merged) return { response: ghError(409, `Conflict merging ${this.defaultBranch} into ${ref}.`) };
    return {
      response: {
        status: 202,
        body: { message: `Auto-merged ${this.defaultBranch} into ${ref} on deployment.` },
      },
    };
  }

  /**
   * Contexts that keep a deployment from being created: by default every context posted on the
   * commit must be success; required_contexts names them instead (ones never posted fail too).
   */
  private failedContexts(sha: string, required: unknown): { context: string; state: string }[] {
    const latest = new Map<string, string>();
    for (const status of this.commitStatuses.get(sha) ?? []) latest.set(status.context, status.state);
    const contexts = Array.isArray(required)
      ? required.filter((c): c is string => typeof c === "string")
      : [...latest.keys()];
    return contexts
      .map((context) => ({ context, state: latest.get(context) ?? "missing" }))
      .filter((c) => c.state !== "success");
  }

  private createCommitStatus(p: Record<string, string>, body: unknown): EmulatorResponse {
    const b = (body ?? {}) as Record<string, unknown>;
    const sha = p.sha ?? "";
    if (!this.resolveRef(sha)) return ghError(422, `No commit found for SHA: ${sha}`);
    if (typeof b.state !== "string" || !["error", "failure", "pending", "success"].includes(b.state))
      return ghError(422, "Validation Failed: state is not included in the list");
    const id = this.nextId++;
    const now = new Date().toISOString();
    const status: CommitStatus = {
      url: `${this.repoUrl(p)}/statuses/${sha}`,
      avatar_url: this.bot.avatar_url,
      id,
      node_id: `SC_kwDO${id}`,
      state: b.state,
      description: typeof b.description === "string" ? b.description : null,
      target_url: typeof b.target_url === "string" ? b.target_url : null,
      context: typeof b.context === "string" && b.context ? b.context : "default",
      created_at: now,
      updated_at: now,
      creator: this.bot,
    };
    this.commitStatuses.set(sha, [...(this.commitStatuses.get(sha) ?? []), status]);
    return { status: 201, body: status };
  }

  private listCommitStatuses(p: Record<string, string>, q: URLSearchParams): EmulatorResponse {
    const sha = this.resolveRef(p.ref ?? "");
    const perPage = Math.min(Number(q.get("per_page") ?? 30), 100);
    const page = Number(q.get("page") ?? 1);
    const newestFirst = [...(sha ? (this.commitStatuses.get(sha) ?? []) : [])].reverse();
    return { status: 200, body: newestFirst.slice((page - 1) * perPage, page * perPage) };
  }

  private get(p: Record<string, string>): EmulatorResponse {
    const d = this.find(p);
    return d ? { status: 200, body: d } : ghError(404, "Not Found");
  }

  private listStatuses(p: Record<string, string>): EmulatorResponse {
    const d = this.find(p);
    if (!d) return ghError(404, "Not Found");
    return { status: 200, body: [...(this.statuses.get(d.id) ?? [])].reverse() };
  }

  private addStatus(
    d: Deployment,
    state: DeploymentStatus["state"],
    b: Record<string, unknown>,
  ): DeploymentStatus {
    const list = this.statuses.get(d.id) ?? [];
    const id = this.nextId++;
    const now = new Date().toISOString();
    // GitHub: "Setting log_url will automatically set target_url to the same value" (and the legacy
    // target_url alone fills log_url). Neither given: both empty, as GitHub answers.
    const logUrl = [b.log_url, b.target_url].find((u): u is string => typeof u === "string") ?? "";
    const status: DeploymentStatus = {
      url: `${d.url}/statuses/${id}`,
      id,
      node_id: `DES_kwDO${id}`,
      state,
      creator: this.bot,
      description: typeof b.description === "string" ? b.description : "",
      environment: typeof b.environment === "string" ? b.environment : (d.environment ?? ""),
      target_url: logUrl,
      created_at: now,
      updated_at: now,
      deployment_url: d.url,
      repository_url: d.repository_url,
      environment_url: typeof b.environment_url === "string" ? b.environment_url : "",
      log_url: logUrl,
    };
    list.push(status);
    this.statuses.set(d.id, list);
    return status;
  }

  private createStatus(p: Record<string, string>, body: unknown): EmulatorResponse {
    const d = this.find(p);
    if (!d) return ghError(404, "Not Found");
    const b = (body ?? {}) as Record<string, unknown>;
    const state = b.state as DeploymentStatus["state"];
    if (!STATES.includes(state))
      return ghError(422, `Invalid request.\n\n"${String(b.state)}" is not a valid state.`);
    const status = this.addStatus(d, state, b);
    // GitHub: auto_inactive (default true) marks prior non-transient, non-production deployments of the environment inactive.
    if (state === "success" && b.auto_inactive !== false) {
      for (const other of this.deployments) {
        if (
          other.id === d.id ||
          other.environment !== d.environment ||
          other.repository_url !== d.repository_url
        )
          continue;
        if (other.transient_environment || other.production_environment) continue;
        const last = this.statuses.get(other.id)?.at(-1);
        if (last && last.state !== "inactive")
          this.addStatus(other, "inactive", { description: "Superseded" });
      }
    }
    return { status: 201, body: status };
  }

  private listIssues(p: Record<string, string>, q: URLSearchParams): EmulatorResponse {
    const state = q.get("state") ?? "open";
    const labels = (q.get("labels") ?? "").split(",").filter(Boolean);
    const list = this.issues
      .filter((i) => i.repository_url === this.repoUrl(p))
      .filter((i) => state === "all" || i.state === state)
      .filter((i) => labels.every((l) => i.labels.some((x) => (typeof x === "string" ? x : x.name) === l)))
      .sort((a, b) => b.number - a.number);
    return { status: 200, body: list };
  }

  private createIssue(p: Record<string, string>, body: unknown): EmulatorResponse {
    const b = (body ?? {}) as { title?: unknown; body?: unknown; labels?: unknown };
    if (typeof b.title !== "string" || !b.title) return ghError(422, "Validation Failed: title is missing");
    const number = this.issues.length + 1;
    const id = this.nextId++;
    const now = new Date().toISOString();
    const repoUrl = this.repoUrl(p);
    const issue: Issue = {
      id,
      node_id: `I_kwDO${id}`,
      url: `${repoUrl}/issues/${number}`,
      repository_url: repoUrl,
      labels_url: `${repoUrl}/issues/${number}/labels{/name}`,
      comments_url: `${repoUrl}/issues/${number}/comments`,
      events_url: `${repoUrl}/issues/${number}/events`,
      html_url: `https://github.com/${p.owner}/${p.repo}/issues/${number}`,
      number,
      state: "open",
      title: b.title,
      body: typeof b.body === "string" ? b.body : null,
      user: this.bot,
      labels: (Array.isArray(b.labels) ? b.labels : []).map((name: unknown, i: number) => ({
        id: id * 10 + i,
        node_id: `LA_${id}${i}`,
        url: `${repoUrl}/labels/${String(name)}`,
        name: String(name),
        description: null,
        color: "d73a4a",
        default: false,
      })),
      assignee: null,
      milestone: null,
      locked: false,
      comments: 0,
      created_at: now,
      updated_at: now,
      closed_at: null,
      author_association: "NONE",
    };
    this.issues.push(issue);
    this.comments.set(number, []);
    return { status: 201, body: issue };
  }

  /** An issue or a pull request: they share numbers, and both take comments. */
  private thread(p: Record<string, string>): { html_url: string; url: string; number: number } | undefined {
    const number = Number(p.number);
    const issue = this.issues.find((i) => i.number === number && i.repository_url === this.repoUrl(p));
    if (issue) return issue;
    const pr = this.pulls.find((x) => x.number === number && x.url.startsWith(this.repoUrl(p)));
    return pr && { html_url: pr.html_url, url: `${this.repoUrl(p)}/issues/${number}`, number };
  }

  private createComment(p: Record<string, string>, body: unknown): EmulatorResponse {
    const thread = this.thread(p);
    if (!thread) return ghError(404, "Not Found");
    const text = (body as { body?: unknown } | undefined)?.body;
    if (typeof text !== "string" || !text) return ghError(422, "Validation Failed: body is missing");
    if (text.length > COMMENT_LIMIT) return ghError(422, COMMENT_TOO_LONG);
    const id = this.nextId++;
    const now = new Date().toISOString();
    const comment: IssueComment = {
      id,
      node_id: `IC_${id}`,
      url: `${this.repoUrl(p)}/issues/comments/${id}`,
      html_url: `${thread.html_url}#issuecomment-${id}`,
      issue_url: thread.url,
      body: text,
      user: this.bot,
      created_at: now,
      updated_at: now,
      author_association: "NONE",
    };
    if (!this.comments.has(thread.number)) this.comments.set(thread.number, []);
    this.comments.get(thread.number)?.push(comment);
    const issue = this.issues.find((i) => i.number === thread.number);
    if (issue) issue.comments += 1;
    return { status: 201, body: comment };
  }

  /** Oldest first, as GitHub lists them, paged with a Link header octokit.paginate follows. */
  private listComments(p: Record<string, string>, q: URLSearchParams): EmulatorResponse {
    const thread = this.thread(p);
    if (!thread) return ghError(404, "Not Found");
    const all = this.comments.get(thread.number) ?? [];
    const perPage = Math.min(Math.max(Number(q.get("per_page") ?? 30) || 30, 1), 100);
    const page = Math.max(Number(q.get("page") ?? 1) || 1, 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (n: number, rel: string) =>
      `<${this.repoUrl(p)}/issues/${thread.number}/comments?per_page=${perPage}&page=${n}>; rel="${rel}"`;
    const links = [
      ...(page > 1 ? [link(page - 1, "prev"), link(1, "first")] : []),
      ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
    ];
    return {
      status: 200,
      headers: links.length ? { link: links.join(", ") } : {},
      body: all.slice((page - 1) * perPage, page * perPage),
    };
  }

  private findComment(p: Record<string, string>): IssueComment | undefined {
    const id = Number(p.id);
    for (const list of this.comments.values()) {
      const found = list.find((c) => c.id === id && c.url.startsWith(this.repoUrl(p)));
      if (found) return found;
    }
    return undefined;
  }

  private updateComment(p: Record<string, string>, body: unknown): EmulatorResponse {
    const comment = this.findComment(p);
    if (!comment) return ghError(404, "Not Found");
    const text = (body as { body?: unknown } | undefined)?.body;
    if (typeof text !== "string" || !text) return ghError(422, "Validation Failed: body is missing");
    if (text.length > COMMENT_LIMIT) return ghError(422, COMMENT_TOO_LONG);
    comment.body = text;
    comment.updated_at = new Date().toISOString();
    return { status: 200, body: comment };
  }

  private deleteComment(p: Record<string, string>): EmulatorResponse {
    const comment = this.findComment(p);
    if (!comment) return ghError(404, "Not Found");
    for (const [number, list] of this.comments) {
      const index = list.indexOf(comment);
      if (index < 0) continue;
      list.splice(index, 1);
      const issue = this.issues.find((i) => i.number === number);
      if (issue) issue.comments -= 1;
    }
    return { status: 204 };
  }

  /** Every comment of an issue or pull request, for tests and the story. */
  commentsOn(number: number): IssueComment[] {
    return this.comments.get(number) ?? [];
  }

  /** GET /repos/{owner}/{repo}/compare/{base}...{head}: the counts garde reads, and the commits' shas. */
  private compare(p: Record<string, string>): EmulatorResponse {
    const [base = "", head = ""] = decodeURIComponent(p.basehead ?? "").split("...");
    const c = this.compareRefs?.(base, head);
    if (!c) return ghError(404, "Not Found");
    const commit = (sha: string) => ({
      sha,
      url: `${this.repoUrl(p)}/commits/${sha}`,
      html_url: `https://github.com/${p.owner}/${p.repo}/commit/${sha}`,
    });
    const status = c.ahead && c.behind ? "diverged" : c.ahead ? "ahead" : c.behind ? "behind" : "identical";
    return {
      status: 200,
      body: {
        url: `${this.repoUrl(p)}/compare/${base}...${head}`,
        html_url: `https://github.com/${p.owner}/${p.repo}/compare/${base}...${head}`,
        permalink_url: `https://github.com/${p.owner}/${p.repo}/compare/${c.base}...${c.head}`,
        diff_url: `https://github.com/${p.owner}/${p.repo}/compare/${base}...${head}.diff`,
        patch_url: `https://github.com/${p.owner}/${p.repo}/compare/${base}...${head}.patch`,
        base_commit: commit(c.base),
        merge_base_commit: commit(c.mergeBase),
        status,
        ahead_by: c.ahead,
        behind_by: c.behind,
        total_commits: c.ahead,
        commits: [],
        files: [],
      },
    };
  }

  private listPulls(p: Record<string, string>, q: URLSearchParams): EmulatorResponse {
    const head = q.get("head");
    const base = q.get("base");
    const state = q.get("state") ?? "open";
    const list = this.pulls.filter(
      (pr) =>
        pr.url.startsWith(this.repoUrl(p)) &&
        (state === "all" || pr.state === state) &&
        (!head || pr.head.label === head) &&
        (!base || pr.base.ref === base),
    );
    return { status: 200, body: list };
  }

  private createPull(p: Record<string, string>, body: unknown): EmulatorResponse {
    const b = (body ?? {}) as { head?: unknown; base?: unknown; title?: unknown; body?: unknown };
    if (typeof b.head !== "string" || typeof b.base !== "string" || typeof b.title !== "string") {
      return ghError(422, "Validation Failed: head, base and title are required");
    }
    if (this.compareRefs?.(b.base, b.head)?.ahead === 0) {
      return ghError(422, `Validation Failed: No commits between ${b.base} and ${b.head}`);
    }
    if (this.pulls.some((pr) => pr.state === "open" && pr.head.ref === b.head && pr.base.ref === b.base)) {
      return ghError(422, `Validation Failed: A pull request already exists for ${p.owner}:${b.head}.`);
    }
    const number = this.issues.length + this.pulls.length + 1;
    const pr: PullRequest = {
      id: this.nextId++,
      number,
      state: "open",
      title: b.title,
      body: typeof b.body === "string" ? b.body : null,
      html_url: `https://github.com/${p.owner}/${p.repo}/pull/${number}`,
      url: `${this.repoUrl(p)}/pulls/${number}`,
      created_at: new Date().toISOString(),
      head: { ref: b.head, label: `${p.owner}:${b.head}`, sha: "0".repeat(40) },
      base: { ref: b.base, label: `${p.owner}:${b.base}`, sha: "0".repeat(40) },
    };
    this.pulls.push(pr);
    return { status: 201, body: pr };
  }

  private putSecret(name: string, body: unknown): EmulatorResponse {
    const b = (body ?? {}) as { encrypted_value?: unknown; key_id?: unknown };
    if (!/^[A-Z_][A-Z0-9_]*$/i.test(name) || name.toUpperCase().startsWith("GITHUB_"))
      return ghError(422, "Secret names must be alphanumeric and not start with GITHUB_");
    if (typeof b.encrypted_value !== "string" || b.key_id !== this.sealKeyId)
      return ghError(422, "Invalid request: encrypted_value and the current key_id are required");
    const existed = this.actionsSecrets.has(name);
    this.actionsSecrets.set(name, {
      encrypted: b.encrypted_value,
      keyId: b.key_id,
      updatedAt: new Date().toISOString(),
    });
    return { status: existed ? 204 : 201, body: existed ? undefined : {} };
  }

  private getSecret(name: string): EmulatorResponse {
    const s = this.actionsSecrets.get(name);
    if (!s) return ghError(404, "Not Found");
    return { status: 200, body: { name, created_at: s.updatedAt, updated_at: s.updatedAt } };
  }

  /** What a workflow would see in secrets.NAME: the sealed value opened with the repository's private key. */
  openSecret(name: string): string | undefined {
    const s = this.actionsSecrets.get(name);
    if (!s) return undefined;
    const sealed = sodium.from_base64(s.encrypted, sodium.base64_variants.ORIGINAL);
    return sodium.to_string(
      sodium.crypto_box_seal_open(sealed, this.sealKeys.publicKey, this.sealKeys.privateKey),
    );
  }

  /** The newest status of a deployment, as a test or the story reads it. */
  latestState(id: number): string | undefined {
    return this.statuses.get(id)?.at(-1)?.state;
  }

  async stop(): Promise<void> {
    await this.router.close();
  }
}
