import { getOctokit } from "@actions/github";
import { classifyGitHubFailure } from "../github-deployments.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { type RetryPolicy, withRetry } from "../retry.ts";
import type { Incident, Notifier } from "./incident.ts";

const LABEL = "garde-incident";

/**
 * One GitHub issue per incident title: a re-run (or a second rollback of the same release)
 * comments on the open issue instead of filing a duplicate.
 */
export class GitHubIssueNotifier implements Notifier {
  readonly channel = "github-issue" as const;
  readonly name = "GitHub issue";
  private readonly octokit: ReturnType<typeof getOctokit>;
  private readonly owner: string;
  private readonly repo: string;
  private readonly opts: { clock: Clock; reporter: Reporter; retry: RetryPolicy };
  /** Number of the issue written by the last send, for reports. */
  lastIssue: number | null = null;

  constructor(opts: {
    token: string;
    apiUrl: string;
    repository: string;
    clock: Clock;
    reporter: Reporter;
    retry: RetryPolicy;
  }) {
    this.opts = opts;
    const [owner = "", repo = ""] = opts.repository.split("/");
    this.owner = owner;
    this.repo = repo;
    this.octokit = getOctokit(opts.token, { baseUrl: opts.apiUrl.replace(/\/$/, "") });
  }

  static body(incident: Incident): string {
    const rows = incident.timeline.map((t) => `| ${t.at} | ${t.event.replace(/\|/g, "\\|")} |`).join("\n");
    const links = incident.links.map((l) => `- [${l.label}](${l.url})`).join("\n");
    return `**${incident.severity}** in ${incident.environment}\n\n${incident.summary}\n\n### Timeline\n\n| time (UTC) | event |\n| --- | --- |\n${rows}\n${links ? `\n### Links\n\n${links}\n` : ""}\n_Filed by garde._`;
  }

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return withRetry(operation, send, (err) => classifyGitHubFailure(err, this.opts.clock.now()), {
      policy: this.opts.retry,
      clock: this.opts.clock,
      reporter: this.opts.reporter,
    });
  }

  async send(incident: Incident): Promise<void> {
    const open = await this.call("list open garde incident issues", () =>
      this.octokit.rest.issues.listForRepo({
        owner: this.owner,
        repo: this.repo,
        state: "open",
        labels: LABEL,
        per_page: 100,
      }),
    );
    const existing = open.data.find((i) => i.title === incident.title);
    if (existing) {
      await this.call(`comment on incident issue #${existing.number}`, () =>
        this.octokit.rest.issues.createComment({
          owner: this.owner,
          repo: this.repo,
          issue_number: existing.number,
          body: GitHubIssueNotifier.body(incident),
        }),
      );
      this.lastIssue = existing.number;
      return;
    }
    const created = await this.call("file the incident issue", () =>
      this.octokit.rest.issues.create({
        owner: this.owner,
        repo: this.repo,
        title: incident.title,
        body: GitHubIssueNotifier.body(incident),
        labels: [LABEL, incident.severity, `env:${incident.environment}`],
      }),
    );
    this.lastIssue = created.data.number;
  }
}
