import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMutants } from "../scripts/mutate.ts";

/**
 * The mutant list stays runnable between `npm run mutate` runs: every mutant still applies (its
 * text occurs exactly once where it says), and the README's testing section names each one.
 */
const root = resolve(import.meta.dirname, "..");
const mutants = loadMutants();
const readme = readFileSync(join(root, "README.md"), "utf8");
const testing = readme.slice(readme.indexOf("## Testing"));

describe("the mutant list", () => {
  it("has mutants for each pipeline", () => {
    expect(new Set(mutants.map((m) => m.list)).size).toBeGreaterThanOrEqual(4);
  });

  it.each(mutants.map((m) => [m.id, m] as const))("%s still applies and changes its file", (_id, m) => {
    const source = readFileSync(join(root, m.file), "utf8");
    expect(source.split(m.find).length - 1, `${m.file} holds the text of ${m.id} once`).toBe(1);
    expect(m.replace).not.toBe(m.find);
  });

  it.each(mutants.map((m) => [m.id] as const))("%s is listed in the README's testing section", (id) => {
    expect(testing).toContain(`\`${id}\``);
  });
});
