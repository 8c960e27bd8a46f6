import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(resolve(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { engines?: { node?: string }; optional?: boolean }>;
};

describe("supported Node versions", () => {
  it("are the ones every locked dependency supports, so npm install warns of no engine", () => {
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path && !p.optional && p.engines?.node)
      .filter(([, p]) => !semver.subset(pkg.engines.node, p.engines?.node as string))
      .map(([path, p]) => `${path} wants node ${p.engines?.node}`);
    expect(refused).toEqual([]);
  });

  it("include the runtime GitHub gives the actions and the one running these tests", () => {
    expect(semver.satisfies("24.0.0", pkg.engines.node)).toBe(true);
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
    for (const file of ["deploy", "rollback", "rotate-keys", "smoke-test"]) {
      const action = readFileSync(resolve(root, "actions", file, "action.yml"), "utf8");
      expect(action).toMatch(/using: node24/);
    }
  });
});
