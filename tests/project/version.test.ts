import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../actions/lib/version.ts";

describe("garde's version", () => {
  it("is package.json's, so manifests and --version say what was installed", () => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8"));
    expect(VERSION).toBe(pkg.version);
  });

  it("is the policy pack's too: Pulumi publishes and reports the pack under its package.json version", () => {
    const read = (path: string) =>
      JSON.parse(readFileSync(resolve(import.meta.dirname, "../..", path), "utf8"));
    expect(read("policies/package.json").version).toBe(read("package.json").version);
  });
});
