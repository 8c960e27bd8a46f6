import { GitHubClient } from "../github-client.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { defaultRetryPolicy, type RetryPolicy } from "../retry.ts";
import type { ReviewInputs } from "./inputs.ts";
import { loadReviews } from "./load.ts";
import { countsOf, hasChanges, mandatoryOf, type Review } from "./model.ts";
import { type PublishedComment, publishReviews } from "./publish.ts";

export interface ReviewRunReport {
  outputs: { "comment-urls": string; changed: "true" | "false" };
  heading: string;
  /** One table: every stack, its counts, its policies, its comment. */
  rows: string[][];
  comments: PublishedComment[];
  review: Review;
  /** A mandatory policy fails on the head revision and the action was asked to fail on it. */
  failure?: string | undefined;
}

export async function runInfraReview(
  inputs: ReviewInputs,
  deps: { clock: Clock; reporter: Reporter; retry?: RetryPolicy },
): Promise<ReviewRunReport> {
  const review = loadReviews(inputs.plan, inputs.previews);
  const github = new GitHubClient({
    token: inputs["github-token"],
    apiUrl: inputs["github-api-url"],
    repository: inputs.repository,
    clock: deps.clock,
    reporter: deps.reporter,
    retry: deps.retry ?? defaultRetryPolicy,
  });
  const comments = await publishReviews(github, inputs["pr-number"], review.stacks, {
    base: inputs.plan ? review.base : undefined,
    head: inputs["head-sha"],
    source: inputs.previews?.length ? "pulumi preview" : "garde plan --diff",
  });
  for (const c of comments) deps.reporter.info(`${c.stack}: ${c.action}${c.url ? ` ${c.url}` : ""}`);
  const urls = Object.fromEntries(comments.filter((c) => c.url).map((c) => [c.stack, c.url as string]));
  const rows = [
    ["Stack", "Create", "Update", "Replace", "Delete", "Unchanged", "Policies", "Comment"],
    ...review.stacks.map((s) => {
      const c = countsOf(s);
      const mandatory = mandatoryOf(s).length;
      const comment = comments.find((x) => x.stack === s.stack);
      return [
        s.status === "added" ? `${s.stack} (new)` : s.status === "removed" ? `${s.stack} (removed)` : s.stack,
        String(c.create),
        String(c.update),
        String(c.replace),
        String(c.delete),
        String(s.unchanged),
        s.policiesChecked === false
          ? "not checked"
          : `${mandatory} mandatory, ${s.policies.length - mandatory} advisory`,
        comment?.url ?? comment?.action ?? "",
      ];
    }),
  ];
  const blocking = review.stacks.filter((s) => mandatoryOf(s).length);
  return {
    outputs: {
      "comment-urls": JSON.stringify(urls),
      changed: review.stacks.some(hasChanges) ? "true" : "false",
    },
    heading: `garde infra review: ${review.stacks.length} stack${review.stacks.length === 1 ? "" : "s"} against ${review.base}`,
    rows,
    comments,
    review,
    failure:
      blocking.length && inputs["fail-on-mandatory"] === "true"
        ? `Mandatory policy violations on ${blocking.map((s) => s.stack).join(", ")}: see the PR comments`
        : undefined,
  };
}
