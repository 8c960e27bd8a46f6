import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { backupInputsSchema } from "../../actions/lib/backup/inputs.ts";
import { deployInputsSchema } from "../../actions/lib/deploy/config.ts";
import { operationInputsSchema } from "../../actions/lib/operations/inputs.ts";
import { rollbackInputsSchema } from "../../actions/lib/rollback/config.ts";
import { rotateInputsSchema } from "../../actions/lib/rotation/inputs.ts";

const root = resolve(import.meta.dirname, "../..");
const actionYml = (name: string) =>
  parse(readFileSync(resolve(root, "actions", name, "action.yml"), "utf8")) as {
    inputs: Record<string, { description: string }>;
    outputs: Record<string, { description: string }>;
    runs: { using: string; main: string };
  };

describe("actions/deploy/action.yml", () => {
  const meta = actionYml("deploy");
  // The runner passes repository, sha and the run URL through its context, not as inputs.
  const contextOnly = new Set(["repository", "sha", "log-url"]);

  it("documents every input the deploy core accepts, and no other", () => {
    const accepted = Object.keys(deployInputsSchema.shape).filter((k) => !contextOnly.has(k));
    expect(Object.keys(meta.inputs).sort()).toEqual(accepted.sort());
    for (const [name, input] of Object.entries(meta.inputs)) expect(input.description, name).toBeTruthy();
  });

  it("declares the outputs the issue promises and runs on node24", () => {
    expect(Object.keys(meta.outputs)).toEqual(
      expect.arrayContaining(["url", "deployment-id", "environment", "previous-deployment-id"]),
    );
    expect(meta.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });
});

describe("actions/rollback/action.yml", () => {
  it("documents every input the rollback core accepts, and no other", () => {
    const meta = actionYml("rollback");
    const accepted = Object.keys(rollbackInputsSchema.shape).filter(
      (k) => k !== "repository" && k !== "log-url",
    );
    expect(Object.keys(meta.inputs).sort()).toEqual(accepted.sort());
    expect(meta.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });
});

describe("actions/smoke-test/action.yml", () => {
  it("takes url, config or config-inline, and outputs passed and report", () => {
    const meta = actionYml("smoke-test");
    expect(Object.keys(meta.inputs)).toEqual(["url", "config", "config-inline"]);
    expect(Object.keys(meta.outputs)).toEqual(["passed", "report"]);
  });
});

describe("actions/rotate-keys/action.yml", () => {
  it("documents every input the rotation core accepts, and no other", () => {
    const meta = actionYml("rotate-keys");
    const accepted = Object.keys(rotateInputsSchema.shape).filter(
      (k) => k !== "repository" && k !== "log-url",
    );
    expect(Object.keys(meta.inputs).sort()).toEqual(accepted.sort());
  });
});

describe("actions/backup/action.yml", () => {
  it("documents every input the backup core accepts, and the outputs the doors promise", () => {
    const meta = actionYml("backup");
    expect(Object.keys(meta.inputs).sort()).toEqual(Object.keys(backupInputsSchema.shape).sort());
    for (const [name, input] of Object.entries(meta.inputs)) expect(input.description, name).toBeTruthy();
    expect(Object.keys(meta.outputs)).toEqual(
      expect.arrayContaining(["backup-id", "size", "sha256", "drill-result"]),
    );
    expect(meta.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });
});

describe("actions/kubernetes/action.yml", () => {
  it("documents every input the operations core accepts, and no other", () => {
    const meta = actionYml("kubernetes");
    expect(Object.keys(meta.inputs).sort()).toEqual(Object.keys(operationInputsSchema.shape).sort());
    for (const [name, input] of Object.entries(meta.inputs)) expect(input.description, name).toBeTruthy();
    expect(Object.keys(meta.outputs)).toEqual(["changed", "before", "after", "undo", "snapshot-path"]);
    expect(meta.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });
});
