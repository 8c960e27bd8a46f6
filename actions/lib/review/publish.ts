import type { GitHubClient } from "../github-client.ts";
import { type CommentContext, markerFor, renderComment } from "./comment.ts";
import { hasChanges, type StackReview } from "./model.ts";

export interface PublishedComment {
  stack: string;
  /** created: a new comment; updated: edited in place; unchanged: already said that; skipped: nothing to say. */
  action: "created" | "updated" | "unchanged" | "skipped";
  url?: string | undefined;
  id?: number | undefined;
  /** Duplicates of this stack's comment (two runs racing) deleted so one remains. */
  removedDuplicates: number;
}

/**
 * One comment per stack on the pull request, found again by its hidden marker and edited in
 * place: a push never adds a second one, and a matrix job only touches the stacks it was given,
 * so parallel jobs never overwrite each other. A stack with nothing to say (no change, no
 * violation) gets no new comment; one whose changes went away has its comment edited to say so.
 */
export async function publishReviews(
  github: GitHubClient,
  pullNumber: number,
  stacks: StackReview[],
  ctx: CommentContext = {},
): Promise<PublishedComment[]> {
  const { octokit, owner, repo } = github;
  const existing = await github.call(`list the comments of #${pullNumber}`, () =>
    octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner,
      repo,
      issue_number: pullNumber,
      per_page: 100,
    }),
  );
  const results: PublishedComment[] = [];
  for (const review of stacks) {
    const marker = markerFor(review.stack);
    const mine = existing.filter((c) => c.body?.split("\n", 1)[0] === marker).sort((a, b) => a.id - b.id);
    const [keep, ...duplicates] = mine;
    for (const d of duplicates) {
      await github.call(`delete a duplicate infra review comment of ${review.stack}`, () =>
        octokit.request("DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}", {
          owner,
          repo,
          comment_id: d.id,
        }),
      );
    }
    const body = renderComment(review, ctx);
    const base = { stack: review.stack, removedDuplicates: duplicates.length };
    if (!keep) {
      if (!hasChanges(review) && !review.policies.length) {
        results.push({ ...base, action: "skipped" });
        continue;
      }
      const created = await github.call(`comment the infra review of ${review.stack}`, () =>
        octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
          owner,
          repo,
          issue_number: pullNumber,
          body,
        }),
      );
      results.push({ ...base, action: "created", url: created.data.html_url, id: Number(created.data.id) });
      continue;
    }
    if (keep.body === body) {
      results.push({ ...base, action: "unchanged", url: keep.html_url, id: keep.id });
      continue;
    }
    const updated = await github.call(`edit the infra review comment of ${review.stack}`, () =>
      octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        owner,
        repo,
        comment_id: Number(keep.id),
        body,
      }),
    );
    results.push({ ...base, action: "updated", url: updated.data.html_url, id: Number(updated.data.id) });
  }
  return results;
}
