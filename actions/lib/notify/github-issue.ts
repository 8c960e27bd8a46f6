import { GitHubClient, type GitHubClientOptions } from "../github-client.ts";
import type { Incident, Notifier } from "./incident.ts";

const LABEL = "garde-incident";

/**
 * One GitHub issue per incident title: a re-run (or a second rollback of the same release)
 * comments on the open issue instead of filing a duplicate.
 */
export class GitHubIssueNotifier implements Notifier {
  readonly channel = "github-issue" as const;
  readonly name = "GitHub issue";
  private readonly github: GitHubClient;
  /** Number of the issue written by the last send, for reports. */
  lastIssue: number | null = null;

  constructor(opts: GitHubClientOptions) {
    this.github = new GitHubClient(opts);
  }

  static body(incident: Incident): string {
    const rows = incident.timeline.map((t) => `| ${t.at} | ${t.event.replace(/\|/g, "\\|")} |`).join("\n");
    const links = incident.links.map((l) => `- [${l.label}](${l.url})`).join("\n");
    return `**${incident.severity}** in ${incident.environment}\n\n${incident.summary}\n\n### Timeline\n\n| time (UTC) | event |\n| --- | --- |\n${rows}\n${links ? `\n### Links\n\n${links}\n` : ""}\n_Filed by garde._`;
  }

  async send(incident: Incident): Promise<void> {
    const { octokit, owner, repo } = this.github;
    const call = this.github.call.bind(this.github);
    const openIssue = async () => {
      const open = await octokit.request("GET /repos/{owner}/{repo}/issues", {
        owner,
        repo,
        state: "open",
        labels: LABEL,
        per_page: 100,
      });
      return open.data.find((i) => i.title === incident.title);
    };
    const existing = await call("list open garde incident issues", openIssue);
    if (existing) {
      await call(`comment on incident issue #${existing.number}`, () =>
        octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
          owner,
          repo,
          issue_number: existing.number,
          body: GitHubIssueNotifier.body(incident),
        }),
      );
      this.lastIssue = existing.number;
      return;
    }
    // The title is the incident's dedup key: a retry after a lost answer finds the issue filed.
    const created = await this.github.createOnce("file the incident issue", openIssue, async () => {
      const response = await octokit.request("POST /repos/{owner}/{repo}/issues", {
        owner,
        repo,
        title: incident.title,
        body: GitHubIssueNotifier.body(incident),
        labels: [LABEL, incident.severity, `env:${incident.environment}`],
      });
      return response.data;
    });
    this.lastIssue = created.number;
  }
}
