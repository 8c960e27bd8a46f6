import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { actionNames } from "../../scripts/action-names.mjs";

// What inputs and outputs each action declares is checked against its main.ts in action-contract.test.ts.
const root = resolve(import.meta.dirname, "../..");

describe.each(actionNames())("actions/%s/action.yml", (name) => {
  const meta = parse(readFileSync(resolve(root, "actions", name, "action.yml"), "utf8")) as {
    name: string;
    description: string;
    inputs?: Record<string, { description: string }>;
    outputs?: Record<string, { description: string }>;
    runs: { using: string; main: string };
  };

  it("describes itself, every input and every output", () => {
    expect(meta.name).toMatch(/^garde /);
    expect(meta.description.length).toBeGreaterThan(40);
    for (const [key, field] of Object.entries({ ...meta.inputs, ...meta.outputs })) {
      expect(field.description, key).toBeTruthy();
    }
  });

  it("runs its committed bundle on node24", () => {
    expect(meta.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });
});
