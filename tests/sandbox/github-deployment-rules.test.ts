import { getOctokit } from "@actions/github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubDeployments } from "../../actions/lib/deploy/github-deployments.ts";
import { GitHubEmulator } from "../../sandbox/github-emulator.ts";
import { SampleApp } from "../../sandbox/sample-app.ts";
import { fastClock, fastRetry, recordingReporter } from "../helpers.ts";

/**
 * GitHub guards deployment creation twice: auto_merge (on unless false) merges the default branch
 * into a ref behind it, and required_contexts (every posted context unless given) must be success.
 * garde runs its own checks and deploys exact SHAs, so it turns both off; the emulator enforces
 * both as GitHub does, so a client that forgets is refused here as it would be there.
 */
const TOKEN = "ghs_rulestest0123456789abcdefghijklmn";
let app: SampleApp;
let github: GitHubEmulator;
let older: string;
let main: string;
beforeAll(async () => {
  app = SampleApp.create();
  older = app.resolveRef("main") as string;
  main = app.commit("main", { "public/healthz": '{"status":"ok","v":2}\n' }, "Hotfix on main", "main");
  app.commit("feature/login", { "public/login.html": "<h1>login</h1>\n" }, "Login page", `${older}`);
  github = new GitHubEmulator({
    token: TOKEN,
    resolveRef: (ref) => app.resolveRef(ref),
    compareRefs: (base, head) => app.compare(base, head),
    mergeInto: (source, into) => app.tryMerge(source, into),
  });
  await github.start();
}, 60_000);
afterAll(async () => {
  await github.stop();
  app.remove();
});

const octokit = () => getOctokit(TOKEN, { baseUrl: github.url });
const create = (body: Record<string, unknown>) =>
  octokit()
    .request("POST /repos/{owner}/{repo}/deployments", { owner: "acme", repo: "web", ...body } as never)
    .then(
      (r) => ({ status: r.status, data: r.data as Record<string, unknown> }),
      (err: { status: number; response?: { data: Record<string, unknown> } }) => ({
        status: err.status,
        data: err.response?.data ?? {},
      }),
    );
const postStatus = (sha: string, context: string, state: string) =>
  octokit().request("POST /repos/{owner}/{repo}/statuses/{sha}", {
    owner: "acme",
    repo: "web",
    sha,
    context,
    state: state as "success",
  });

describe("the GitHub emulator's deployment guards", () => {
  it("keeps commit statuses per SHA and lists the newest first", async () => {
    await postStatus(main, "ci/test", "pending");
    await postStatus(main, "ci/test", "failure");
    const listed = await octokit().request("GET /repos/{owner}/{repo}/commits/{ref}/statuses", {
      owner: "acme",
      repo: "web",
      ref: "main",
    });
    expect(listed.data.map((s) => `${s.context}: ${s.state}`)).toEqual([
      "ci/test: failure",
      "ci/test: pending",
    ]);
  });

  it("refuses a deployment while a posted context is not success, unless required_contexts says otherwise", async () => {
    const refused = await create({ ref: main, auto_merge: false });
    expect(refused.status).toBe(409);
    expect(refused.data.message).toBe(`Conflict: Commit status checks failed for ${main}.`);
    expect(refused.data.errors).toEqual([
      expect.objectContaining({
        contexts: [{ context: "ci/test", state: "failure" }],
        field: "required_contexts",
      }),
    ]);
    expect((await create({ ref: main, auto_merge: false, required_contexts: ["ci/lint"] })).status).toBe(409);
    expect((await create({ ref: main, auto_merge: false, required_contexts: [] })).status).toBe(201);
  });

  it("refuses a SHA behind the default branch unless auto_merge is false: a SHA cannot take a merge", async () => {
    const refused = await create({ ref: older, required_contexts: [] });
    expect(refused).toMatchObject({ status: 409, data: { message: `Conflict merging main into ${older}.` } });
    expect((await create({ ref: older, required_contexts: [], auto_merge: false })).status).toBe(201);
  });

  it("merges the default branch into a branch behind it and creates no deployment (202)", async () => {
    const before = github.deployments.length;
    const answer = await create({ ref: "feature/login", required_contexts: [] });
    expect(answer).toMatchObject({
      status: 202,
      data: { message: "Auto-merged main into feature/login on deployment." },
    });
    expect(github.deployments).toHaveLength(before);
    // A second read of the repository: the branch now holds main's hotfix.
    expect(app.compare("main", "feature/login")?.behind).toBe(0);
  });
});

describe("garde's deployment records pass both guards", () => {
  it("records an exact SHA behind main whose CI failed: garde runs its own checks", async () => {
    await postStatus(older, "ci/test", "failure");
    const records = new GitHubDeployments({
      token: TOKEN,
      apiUrl: github.url,
      repository: "acme/web",
      clock: fastClock(),
      reporter: recordingReporter(),
      retry: fastRetry,
    });
    const id = await records.ensure({
      sha: older,
      environment: "production",
      description: "rollback target rebuilt",
      targetDeploymentId: "dpl_older",
      payload: {},
    });
    const [record] = await records.lookup(older, "production");
    expect(record).toMatchObject({ id, sha: older, targetDeploymentId: "dpl_older" });
  });
});
