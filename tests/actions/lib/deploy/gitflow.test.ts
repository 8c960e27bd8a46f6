import { describe, expect, it } from "vitest";
import { type RouteInput, route } from "../../../../actions/lib/deploy/gitflow.ts";
import { InputError } from "../../../../actions/lib/errors.ts";

function refusalOf(input: RouteInput): InputError {
  try {
    route(input);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe("GitFlow routing", () => {
  it("deploys a push to a feature branch as a preview", () => {
    expect(route({ event: "push", ref: "refs/heads/feature/login" })).toMatchObject({
      environment: "preview",
      staged: false,
      version: null,
      backMergeInto: null,
      branch: "feature/login",
    });
  });

  it("deploys a pull request from a feature branch as a preview of its head branch", () => {
    const plan = route({ event: "pull_request", ref: "refs/pull/42/merge", headRef: "feature/login" });
    expect(plan).toMatchObject({ environment: "preview", staged: false, branch: "feature/login" });
  });

  it.each(["dependabot/npm_and_yarn/vitest-4.1.12", "renovate/zod-4.x", "chore/ci", "main"])(
    "gives a pull request from %s a preview too, as Vercel does, instead of failing it",
    (head) => {
      const plan = route({ event: "pull_request", ref: "refs/pull/9/merge", headRef: head });
      expect(plan).toMatchObject({ environment: "preview", staged: false, branch: head, version: null });
    },
  );

  it("deploys develop to staging", () => {
    expect(route({ event: "push", ref: "refs/heads/develop" })).toMatchObject({
      environment: "staging",
      staged: false,
      version: null,
    });
  });

  it("deploys release/X.Y.Z to staging with its version", () => {
    expect(route({ event: "push", ref: "refs/heads/release/2.0.0" })).toMatchObject({
      environment: "staging",
      staged: false,
      version: "2.0.0",
      backMergeInto: null,
    });
  });

  it("stages a push to main for production", () => {
    expect(route({ event: "push", ref: "refs/heads/main" })).toMatchObject({
      environment: "production",
      staged: true,
      version: null,
      backMergeInto: null,
    });
  });

  it("deploys a pushed hotfix to staging with its version", () => {
    expect(route({ event: "push", ref: "refs/heads/hotfix/1.4.2" })).toMatchObject({
      environment: "staging",
      version: "1.4.2",
      staged: false,
    });
  });

  it("sends a dispatched hotfix to production, staged, with a back-merge into develop and the reason", () => {
    const plan = route({
      event: "workflow_dispatch",
      ref: "refs/heads/hotfix/1.4.2",
      inputs: { reason: "login broken for SSO users" },
    });
    expect(plan).toEqual({
      environment: "production",
      staged: true,
      version: "1.4.2",
      backMergeInto: "develop",
      branch: "hotfix/1.4.2",
      rule: "workflow_dispatch hotfix 1.4.2",
      reason: "login broken for SSO users",
    });
  });

  it("takes a dispatched hotfix's version from the input when the branch carries none", () => {
    const plan = route({ event: "workflow_dispatch", ref: "refs/heads/main", inputs: { version: "v3.1.4" } });
    expect(plan).toMatchObject({
      environment: "production",
      staged: true,
      version: "3.1.4",
      backMergeInto: "develop",
    });
  });

  it("follows configured branch names", () => {
    const branches = { feature: "feat/", release: "rel-", hotfix: "fix-", develop: "dev", main: "trunk" };
    expect(route({ event: "push", ref: "refs/heads/feat/x", branches }).environment).toBe("preview");
    expect(route({ event: "push", ref: "refs/heads/dev", branches }).environment).toBe("staging");
    expect(route({ event: "push", ref: "refs/heads/rel-1.2.3", branches }).version).toBe("1.2.3");
    expect(route({ event: "push", ref: "refs/heads/trunk", branches }).environment).toBe("production");
    expect(route({ event: "workflow_dispatch", ref: "refs/heads/fix-1.0.1", branches }).backMergeInto).toBe(
      "dev",
    );
    expect(refusalOf({ event: "push", ref: "refs/heads/main", branches }).message).toContain("push to trunk");
  });

  describe("refuses, naming the field and listing the rules", () => {
    const cases: [string, RouteInput, string, RegExp][] = [
      [
        "a branch no rule matches",
        { event: "push", ref: "refs/heads/experiment" },
        "ref",
        /No rule deploys a push to "experiment"/,
      ],
      ["a tag", { event: "push", ref: "refs/tags/v1.0.0" }, "ref", /tags are not deployed/],
      ["a ref that is not a ref", { event: "push", ref: "develop" }, "ref", /not a branch/],
      [
        "a malformed branch name",
        { event: "push", ref: "refs/heads/feature/a..b" },
        "ref",
        /not a well-formed/,
      ],
      ["a branch with a space", { event: "push", ref: "refs/heads/feature/a b" }, "ref", /not a well-formed/],
      ["an empty feature name", { event: "push", ref: "refs/heads/feature/" }, "ref", /not a well-formed/],
      [
        "a release without X.Y.Z",
        { event: "push", ref: "refs/heads/release/2.0" },
        "ref",
        /release\/X\.Y\.Z/,
      ],
      [
        "a hotfix without X.Y.Z",
        { event: "push", ref: "refs/heads/hotfix/urgent" },
        "ref",
        /hotfix\/X\.Y\.Z/,
      ],
      [
        "a PR without its head branch",
        { event: "pull_request", ref: "refs/pull/3/merge" },
        "head-ref",
        /head branch/,
      ],
      [
        "a PR with a malformed ref",
        { event: "pull_request", ref: "refs/heads/feature/x", headRef: "feature/x" },
        "ref",
        /refs\/pull/,
      ],
      [
        "a dispatch with neither hotfix branch nor version",
        { event: "workflow_dispatch", ref: "refs/heads/develop" },
        "inputs.version",
        /hotfix/,
      ],
      [
        "a dispatch with a malformed version",
        { event: "workflow_dispatch", ref: "refs/heads/main", inputs: { version: "2.x" } },
        "inputs.version",
        /X\.Y\.Z/,
      ],
      [
        "a dispatch whose version disagrees with its branch",
        { event: "workflow_dispatch", ref: "refs/heads/hotfix/1.0.1", inputs: { version: "1.0.2" } },
        "inputs.version",
        /disagrees/,
      ],
      [
        "an event that does not deploy",
        { event: "schedule", ref: "refs/heads/main" },
        "event",
        /"schedule" does not deploy/,
      ],
    ];
    it.each(cases)("%s", (_name, input, field, message) => {
      const err = refusalOf(input);
      expect(err.field).toBe(field);
      expect(err.message).toMatch(message);
      expect(err.message).toContain("push to release/X.Y.Z → staging, version X.Y.Z");
    });
  });
});
