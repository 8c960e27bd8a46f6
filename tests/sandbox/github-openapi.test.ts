import { getOctokit } from "@actions/github";
import { Ajv, type ValidateFunction } from "ajv";
import ajvFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubEmulator } from "../../sandbox/github-emulator.ts";
import { SampleApp } from "../../sandbox/sample-app.ts";

/**
 * The GitHub emulator held to GitHub's own OpenAPI description (@octokit/openapi): every answer
 * garde's clients read is validated against the schema GitHub publishes for that operation and
 * status, formats included (a URL field must be a valid URI).
 */
type OpenApi = {
  paths: Record<string, Record<string, { responses: Record<string, ResponseSpec> }>>;
  components: unknown;
};
type ResponseSpec = { content?: { "application/json"?: { schema: object } } };

const TOKEN = "ghs_openapitest0123456789abcdefghijkl";
let description: OpenApi;
let ajv: Ajv;
let github: GitHubEmulator;
let app: SampleApp;

function validatorFor(path: string, method: string, status: number): ValidateFunction {
  const spec = description.paths[path]?.[method]?.responses[String(status)];
  const schema = spec?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`GitHub's description has no JSON answer for ${method} ${path} ${status}`);
  // Refs point into the description's components, registered once under the id "github".
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"github#/components/'));
  return ajv.compile(rewritten);
}

/** Sends a request through octokit and checks the answer against the description. */
async function conforming(route: string, params: Record<string, unknown>, status: number) {
  const octokit = getOctokit(TOKEN, { baseUrl: github.url });
  const response = await octokit.request(route, { owner: "acme", repo: "web", ...params });
  expect(response.status).toBe(status);
  const [method = "", path = ""] = route.split(" ");
  const validate = validatorFor(path, method.toLowerCase(), status);
  const valid = validate(response.data);
  expect(validate.errors ?? [], `${route} answers as GitHub describes it`).toEqual([]);
  expect(valid).toBe(true);
  return response.data as Record<string, unknown>;
}

/**
 * OpenAPI 3.0 marks nullability with `nullable`, which Ajv reads only beside a `type`; where the
 * description puts it on a composition (allOf/anyOf), say the same in JSON Schema.
 */
function nullableToJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableToJsonSchema);
  if (!node || typeof node !== "object") return node;
  const entries = Object.entries(node).map(([k, v]) => [k, nullableToJsonSchema(v)] as const);
  const out = Object.fromEntries(entries) as Record<string, unknown>;
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _, ...rest } = out;
    return { anyOf: [rest, { type: "null" }] };
  }
  return out;
}

beforeAll(async () => {
  const module = (await import("@octokit/openapi/generated/api.github.com.json", {
    with: { type: "json" },
  })) as unknown as { default: OpenApi };
  description = module.default;
  ajv = new Ajv({ strict: false, allErrors: true });
  // A CommonJS module: its default export is the module object, whose .default is the plugin.
  ajvFormats.default(ajv);
  ajv.addSchema({ $id: "github", components: nullableToJsonSchema(description.components) });
  app = SampleApp.create();
  github = new GitHubEmulator({ token: TOKEN, resolveRef: (ref) => app.resolveRef(ref) });
  await github.start();
}, 60_000);

afterAll(async () => {
  await github.stop();
  app.remove();
});

describe("GitHub emulator against GitHub's OpenAPI description", () => {
  it("answers deployments and their statuses as described, bot URLs escaped", async () => {
    const created = await conforming(
      "POST /repos/{owner}/{repo}/deployments",
      { ref: "main", environment: "staging", auto_merge: false, required_contexts: [] },
      201,
    );
    const creator = created.creator as { url: string; html_url: string };
    expect(creator.url).toBe("https://api.github.com/users/github-actions%5Bbot%5D");
    const id = created.id as number;
    await conforming("GET /repos/{owner}/{repo}/deployments/{deployment_id}", { deployment_id: id }, 200);
    await conforming("GET /repos/{owner}/{repo}/deployments", { environment: "staging" }, 200);
    await conforming(
      "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
      {
        deployment_id: id,
        state: "success",
        environment_url: "https://staging.example.com",
        log_url: "https://github.com/acme/web/actions/runs/1",
      },
      201,
    );
    await conforming(
      "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
      { deployment_id: id },
      200,
    );
  });

  it("resolves a deployment's branch to the branch's commit, and refuses a ref that names none", async () => {
    const main = app.resolveRef("main");
    const created = await conforming(
      "POST /repos/{owner}/{repo}/deployments",
      { ref: "main", environment: "production", auto_merge: false, required_contexts: [] },
      201,
    );
    expect(created).toMatchObject({ ref: "main", sha: main });
    expect(main).toMatch(/^[0-9a-f]{40}$/);
    const octokit = getOctokit(TOKEN, { baseUrl: github.url });
    const refused = await octokit
      .request("POST /repos/{owner}/{repo}/deployments", {
        owner: "acme",
        repo: "web",
        ref: "no-such-branch",
      })
      .catch((err: { status: number; message: string }) => err);
    expect(refused).toMatchObject({
      status: 422,
      message: expect.stringContaining("No ref found for: no-such-branch"),
    });
  });

  it("answers commit statuses as described", async () => {
    const sha = app.resolveRef("main");
    await conforming(
      "POST /repos/{owner}/{repo}/statuses/{sha}",
      { sha, state: "success", context: "ci/test", target_url: "https://ci.example.com/1" },
      201,
    );
    await conforming("GET /repos/{owner}/{repo}/commits/{ref}/statuses", { ref: "main" }, 200);
  });

  it("answers issues, comments and the Actions secrets endpoints as described", async () => {
    const issue = await conforming(
      "POST /repos/{owner}/{repo}/issues",
      { title: "P1: production down", body: "b" },
      201,
    );
    const number = issue.number as number;
    const comment = await conforming(
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
      { issue_number: number, body: "first" },
      201,
    );
    await conforming(
      "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
      { comment_id: comment.id, body: "edited" },
      200,
    );
    await conforming(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
      { issue_number: number },
      200,
    );
    await conforming("GET /repos/{owner}/{repo}/actions/secrets/public-key", {}, 200);
  });
});
