import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Review } from "../../../actions/lib/review/model.ts";
import { GitHubEmulator } from "../../../sandbox/github-emulator.ts";
import { runAction, visible } from "../../processes.ts";
import { bigReview, MANDATORY } from "../lib/review/stacks.ts";

const ENTRY = resolve(import.meta.dirname, "../../../actions/infra-review/dist/index.js");
const FIXTURES = resolve(import.meta.dirname, "../../fixtures/pulumi-preview");
const TOKEN = "ghs_CANARY_review_token_42";

let github: GitHubEmulator;
let work: string;
let pr: number;
const plan = (review: Review) => {
  const path = join(work, `plan-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(review));
  return path;
};
const env = () => ({ GITHUB_REPOSITORY: "acme/shop", GITHUB_API_URL: github.url });

beforeAll(async () => {
  github = new GitHubEmulator({ token: TOKEN });
  await github.start();
  work = mkdtempSync(join(tmpdir(), "garde-review-action-"));
  const created = await fetch(`${github.url}/repos/acme/shop/pulls`, {
    method: "POST",
    headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ head: "feature/x", base: "develop", title: "x" }),
  });
  pr = ((await created.json()) as { number: number }).number;
});
afterAll(async () => {
  await github.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("the infra-review action, bundled, as the runner runs it", () => {
  it("comments once per stack from the event's pull request, with outputs and one summary table", async () => {
    const review: Review = {
      base: "origin/main",
      stacks: [bigReview("prod", { updates: 2 }), { ...bigReview("dev", {}), status: "unchanged" }],
    };
    const r = await runAction(ENTRY, work, { "github-token": TOKEN, plan: plan(review) }, env(), {
      pull_request: { number: pr, head: { sha: "f".repeat(40) } },
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.outputs.changed).toBe("true");
    const urls = JSON.parse(r.outputs["comment-urls"] ?? "{}") as Record<string, string>;
    expect(Object.keys(urls)).toEqual(["prod"]);
    expect(r.summary).toContain("garde infra review: 2 stacks against origin/main");
    expect(r.summary).toMatch(/<td>prod<\/td><td>0<\/td><td>2<\/td><td>0<\/td><td>0<\/td><td>42<\/td>/);
    expect(github.commentsOn(pr)).toHaveLength(1);
    expect(visible(r)).not.toContain(TOKEN);
  });

  it("renders real preview JSON the same way, and fails after commenting when a mandatory policy fails", async () => {
    const withPolicy: Review = {
      base: "origin/main",
      stacks: [{ ...bigReview("dev", {}), policies: [MANDATORY] }],
    };
    const r = await runAction(
      ENTRY,
      work,
      {
        "github-token": TOKEN,
        "pr-number": String(pr),
        plan: plan(withPolicy),
        previews: `${join(FIXTURES, "update.json")}\n`,
      },
      env(),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Mandatory policy violations on dev");
    const dev = github
      .commentsOn(pr)
      .find((c) => c.body?.startsWith("<!-- garde:infra-review stack=dev -->"));
    expect(dev?.body).toContain("aws:lambda/function:Function");
    expect(dev?.body).toContain("[archive sha256:3886dc7db621]");
    expect(dev?.body).toContain(MANDATORY.message);
  });

  it("exits 2 naming the input and the fix on bad input, posting nothing", async () => {
    const before = github.commentsOn(pr).length;
    const none = await runAction(ENTRY, work, { "github-token": TOKEN, "pr-number": String(pr) }, env());
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("plan: give the file garde plan --diff BASE --json wrote");
    const noPr = await runAction(
      ENTRY,
      work,
      { "github-token": TOKEN, plan: plan({ base: "m", stacks: [] }) },
      env(),
    );
    expect(noPr.code).toBe(2);
    expect(noPr.stdout).toContain("pr-number: is required");
    const notJson = join(work, "not.json");
    writeFileSync(notJson, "stack prod: 1 to create");
    const bad = await runAction(
      ENTRY,
      work,
      { "github-token": TOKEN, "pr-number": String(pr), plan: notJson },
      env(),
    );
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain("is not JSON; write it with --json");
    expect(github.commentsOn(pr)).toHaveLength(before);
    expect(visible(bad)).not.toMatch(/\n\s+at /);
  });
});
