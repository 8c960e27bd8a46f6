import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

describe("npm start", () => {
  it("tells the GitFlow story end to end, exits 0 and leaves nothing behind", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "sandbox/story.ts"], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/1\. A feature PR gets a preview[\s\S]*✓ preview dpl_/);
    expect(stdout).toMatch(/2\. .*develop reaches staging[\s\S]*✓ staging dpl_/);
    expect(stdout).toMatch(/4\. .*production[\s\S]*Promoted dpl_\w+ to production[\s\S]*✓ production dpl_/);
    expect(stdout).toMatch(/→ 200 "<!doctype html>/);
    expect(stdout).toMatch(/#\d+ production success/);
    const repo = /app repo (\S+)/.exec(stdout)?.[1];
    expect(repo).toBeTruthy();
    expect(existsSync(repo as string)).toBe(false);
  });
});
