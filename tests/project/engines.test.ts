import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(resolve(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { engines?: { node?: string }; optional?: boolean; dev?: boolean }>;
};

/** The Node lines CI runs (.github/workflows/ci.yml): where garde's own development happens. */
const CI_LINES = "^20.19.0 || ^22.12.0 || ^24.0.0";

function refusing(range: string, dev: boolean): string[] {
  return Object.entries(lock.packages)
    .filter(([path, p]) => path && !p.optional && p.dev === dev && p.engines?.node)
    .filter(([, p]) => !semver.subset(range, p.engines?.node as string))
    .map(([path, p]) => `${path} wants node ${p.engines?.node}`);
}

describe("supported Node versions", () => {
  it("are the ones every runtime dependency supports, so installing garde warns of no engine", () => {
    expect(refusing(pkg.engines.node, false)).toEqual([]);
  });

  it("cover the lines CI runs for every development dependency (the vercel CLI's included)", () => {
    expect(semver.subset(CI_LINES, pkg.engines.node)).toBe(true);
    expect(refusing(CI_LINES, true)).toEqual([]);
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
