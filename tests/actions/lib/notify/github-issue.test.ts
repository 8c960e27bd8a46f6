import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubClient } from "../../../../actions/lib/github-client.ts";
import { GitHubIssueNotifier } from "../../../../actions/lib/notify/github-issue.ts";
import { GitHubEmulator } from "../../../../sandbox/github-emulator.ts";
import { fastClock, fastRetry, recordingReporter } from "../../../helpers.ts";

const TOKEN = "ghs_test_token_0123456789";
let github: GitHubEmulator;
beforeEach(async () => {
  github = new GitHubEmulator({ token: TOKEN });
  await github.start();
});
afterEach(() => github.stop());

describe("incident issues", () => {
  it("an issue GitHub filed before answering 502 is found on the retry: one issue, not two", async () => {
    const opts = {
      token: TOKEN,
      apiUrl: github.url,
      repository: "acme/web",
      clock: fastClock(),
      reporter: recordingReporter(),
      retry: fastRetry,
    };
    const notifier = new GitHubIssueNotifier(opts);
    github.router.inject({ method: "POST", path: "/repos/acme/web/issues", status: 502, after: true });
    await notifier.send({
      severity: "P1",
      environment: "production",
      title: "P1: production rolled back from dpl_b to dpl_a",
      summary: "rolled back",
      timeline: [],
      links: [],
    });
    const { octokit } = new GitHubClient(opts);
    const listed = (
      await octokit.request("GET /repos/{owner}/{repo}/issues", { owner: "acme", repo: "web", state: "all" })
    ).data;
    expect(listed.map((i) => i.title)).toEqual(["P1: production rolled back from dpl_b to dpl_a"]);
    expect(notifier.lastIssue).toBe(listed[0]?.number);
  });
});
