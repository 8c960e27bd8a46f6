import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubClient } from "../../../../actions/lib/github-client.ts";
import { COMMENT_LIMIT } from "../../../../actions/lib/review/comment.ts";
import type { StackReview } from "../../../../actions/lib/review/model.ts";
import { publishReviews } from "../../../../actions/lib/review/publish.ts";
import { GitHubEmulator } from "../../../../sandbox/github-emulator.ts";
import { fastClock, fastRetry, recordingReporter } from "../../../helpers.ts";
import { bigReview, MANDATORY } from "./stacks.ts";

const TOKEN = "ghs_review_token_0123456789";
let github: GitHubEmulator;
let client: GitHubClient;
let pr: number;

beforeEach(async () => {
  github = new GitHubEmulator({ token: TOKEN });
  await github.start();
  client = new GitHubClient({
    token: TOKEN,
    apiUrl: github.url,
    repository: "acme/shop",
    clock: fastClock(),
    reporter: recordingReporter(),
    retry: fastRetry,
  });
  const created = await client.octokit.request("POST /repos/{owner}/{repo}/pulls", {
    owner: "acme",
    repo: "shop",
    head: "feature/latency",
    base: "develop",
    title: "Raise prod's latency threshold",
  });
  pr = created.data.number;
});
afterEach(() => github.stop());

const comments = () => github.commentsOn(pr);
const noChange = (stack: string): StackReview => ({ ...bigReview(stack, {}), status: "unchanged" });

describe("publishReviews against the GitHub emulator", () => {
  it("edits each stack's comment in place on the second push: one comment per stack, never two", async () => {
    const first = await publishReviews(client, pr, [
      bigReview("prod", { updates: 1 }),
      bigReview("staging", { creates: 2 }),
    ]);
    expect(first.map((c) => c.action)).toEqual(["created", "created"]);
    const second = await publishReviews(client, pr, [
      bigReview("prod", { updates: 3 }),
      bigReview("staging", { creates: 2 }),
    ]);
    expect(second.map((c) => c.action)).toEqual(["updated", "unchanged"]);
    expect(second.map((c) => c.id)).toEqual(first.map((c) => c.id));
    expect(comments()).toHaveLength(2);
    expect(comments().find((c) => c.id === first[0]?.id)?.body).toContain("| 0 | 3 | 0 | 0 | 42 |");
    expect(second[0]?.url).toMatch(/^https:\/\/github\.com\/acme\/shop\/pull\/\d+#issuecomment-\d+$/);
  });

  it("gives a matrix of three stacks, published in parallel, three comments that never overwrite each other", async () => {
    const stacks = ["dev", "staging", "prod"];
    await Promise.all(stacks.map((s, i) => publishReviews(client, pr, [bigReview(s, { updates: i + 1 })])));
    await Promise.all(stacks.map((s, i) => publishReviews(client, pr, [bigReview(s, { updates: i + 4 })])));
    expect(comments()).toHaveLength(3);
    for (const [i, s] of stacks.entries()) {
      const mine = comments().filter((c) => c.body?.startsWith(`<!-- garde:infra-review stack=${s} -->`));
      expect(mine).toHaveLength(1);
      expect(mine[0]?.body).toContain(`| 0 | ${i + 4} | 0 | 0 | 42 |`);
    }
  });

  it("edits a stack's comment to 'No changes' when its changes went away, and posts none for a quiet stack", async () => {
    await publishReviews(client, pr, [bigReview("prod", { deletes: 1 })]);
    const [edited, quiet] = await publishReviews(client, pr, [noChange("prod"), noChange("dev")]);
    expect(edited?.action).toBe("updated");
    expect(quiet?.action).toBe("skipped");
    expect(comments()).toHaveLength(1);
    expect(comments()[0]?.body).toContain("**No changes**");
    // A quiet stack with a violation still says so.
    const [flagged] = await publishReviews(client, pr, [{ ...noChange("dev"), policies: [MANDATORY] }]);
    expect(flagged?.action).toBe("created");
  });

  it("finds its comment among hundreds (pages of 100 followed by Link), and deletes duplicates a race left", async () => {
    for (let i = 0; i < 250; i++)
      await client.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner: "acme",
        repo: "shop",
        issue_number: pr,
        body: `LGTM ${i}`,
      });
    const [first] = await publishReviews(client, pr, [bigReview("prod", { updates: 1 })]);
    // A second run that raced the first posted its own copy.
    await client.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: "acme",
      repo: "shop",
      issue_number: pr,
      body: comments().find((c) => c.id === first?.id)?.body ?? "",
    });
    const [again] = await publishReviews(client, pr, [bigReview("prod", { updates: 2 })]);
    expect(again).toMatchObject({ action: "updated", id: first?.id, removedDuplicates: 1 });
    expect(comments().filter((c) => c.body?.includes("garde:infra-review"))).toHaveLength(1);
    expect(comments()).toHaveLength(251);
    expect(
      github.router.requests.filter((r) => r.method === "GET" && r.path.endsWith("/comments")).length,
    ).toBeGreaterThanOrEqual(6);
  });

  it("posts a huge diff as one comment GitHub accepts, summary and policies intact", async () => {
    const huge = bigReview("prod", { creates: 4000, updates: 3000, deletes: 500 }, [MANDATORY]);
    const [posted] = await publishReviews(client, pr, [huge], { base: "origin/main" });
    expect(posted?.action).toBe("created");
    const body = comments()[0]?.body ?? "";
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain("| 4000 | 3000 | 0 | 500 | 42 |");
    expect(body).toContain(MANDATORY.message);
    expect(body).toMatch(
      /Left out to stay under GitHub's 65,536-character limit: [\d,]+ updates, 4,000 creates/,
    );
  });
});
