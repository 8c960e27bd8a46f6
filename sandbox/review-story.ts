/**
 * The story's infra review act: a PR raises prod's latency threshold and adds a secret. garde
 * plan --diff compares the branch with main offline, the infra-review core comments on the PR
 * (the GitHub emulator), then a second push retunes the threshold and the same comment is edited.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GitHubClient } from "../actions/lib/github-client.ts";
import { type Reporter, systemClock } from "../actions/lib/reporter.ts";
import { defaultRetryPolicy } from "../actions/lib/retry.ts";
import { publishReviews } from "../actions/lib/review/publish.ts";
import { runPlanDiff } from "../cli/plan-diff.ts";
import { stackSources } from "../cli/stack-sources.ts";
import type { Sandbox } from "./sandbox.ts";
import { scratchRepo } from "./scratch-repo.ts";

const ROOT = join(import.meta.dirname, "..");

const indent = (text: string, pad: string, lines: number) =>
  text
    .trimEnd()
    .split("\n")
    .slice(0, lines)
    .map((l) => `${pad}${l}`)
    .join("\n");

export async function reviewStory(sandbox: Sandbox, reporter: Reporter): Promise<void> {
  const { dir: repo, git } = scratchRepo("garde-review-", (dir) => {
    for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml"]) copyFileSync(join(ROOT, f), join(dir, f));
  });
  try {
    git("checkout", "-q", "-b", "feature/latency");
    const prod = join(repo, "Pulumi.prod.yaml");
    const push = (change: (text: string) => string, message: string) => {
      writeFileSync(prod, change(readFileSync(prod, "utf8")));
      git("commit", "-q", "-am", message);
    };
    push(
      (t) =>
        t
          .replace(
            "    uptimePeriodSeconds: 60\n",
            "    uptimePeriodSeconds: 60\n    thresholds: { latency-p95: 3000 }\n",
          )
          .replace(
            "      - { name: api-token, rotationDays: 30 }\n",
            "      - { name: api-token, rotationDays: 30 }\n      - { name: stripe-key, rotationDays: 60 }\n",
          ),
      "Raise prod's P95 latency alert to 3 s; add the Stripe key",
    );

    const github = new GitHubClient({
      token: sandbox.githubToken,
      apiUrl: sandbox.github.url,
      repository: "acme/shop",
      clock: systemClock,
      reporter,
      retry: defaultRetryPolicy,
    });
    const pr = await github.octokit.request("POST /repos/{owner}/{repo}/pulls", {
      owner: "acme",
      repo: "shop",
      head: "feature/latency",
      base: "main",
      title: "Raise prod's P95 latency alert to 3 s; add the Stripe key",
    });
    const review = async () => {
      const diff = await runPlanDiff({ cwd: repo, stack: "prod", diff: "main" }, stackSources);
      const [comment] = await publishReviews(github, pr.data.number, diff.review.stacks, { base: "main" });
      return { diff, comment };
    };

    const first = await review();
    console.log(
      `    $ garde plan --stack prod --diff main   (exit ${first.diff.exitCode}, no cloud credentials)`,
    );
    console.log(indent(first.diff.output, "      ", 14));
    console.log(`    ✓ PR #${pr.data.number}: comment ${first.comment?.action} at ${first.comment?.url}`);
    const body = sandbox.github.commentsOn(pr.data.number)[0]?.body ?? "";
    console.log(indent(body, "      │ ", 40));

    push(
      (t) => t.replace("thresholds: { latency-p95: 3000 }", "thresholds: { latency-p95: 2500 }"),
      "Review: 2.5 s is enough",
    );
    const second = await review();
    const comments = sandbox.github.commentsOn(pr.data.number);
    const [, before, after] =
      /conditionThreshold\.thresholdValue<\/code> \| <code>(.*?)<\/code> \| <code>(.*?)<\/code> \|$/m.exec(
        comments[0]?.body ?? "",
      ) ?? [];
    console.log(
      `    ✓ second push: comment ${second.comment?.action} in place (${second.comment?.id === first.comment?.id ? "same comment" : "a new one!"}, ${comments.length} on the PR); it now reads thresholdValue ${before} → ${after}`,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
