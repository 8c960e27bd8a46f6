import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { githubRepositoryOf, readProjectSettings } from "../../cli/project-settings.ts";

const work = mkdtempSync(join(tmpdir(), "garde-project-settings-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function project(name: string, files: Record<string, string>, remote?: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, ".vercel"), { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  if (remote) {
    execFileSync("git", ["init", "--quiet", dir]);
    execFileSync("git", ["-C", dir, "remote", "add", "origin", remote]);
  }
  return dir;
}

describe("project settings a terminal user need not retype", () => {
  it("reads the project and team from vercel link's .vercel/project.json and the repository from origin", () => {
    const dir = project(
      "linked",
      { ".vercel/project.json": '{"projectId":"prj_abc123","orgId":"team_xyz789"}' },
      "git@github.com:acme/web.git",
    );
    expect(readProjectSettings(dir)).toEqual({
      "vercel-project": "prj_abc123",
      "vercel-team-id": "team_xyz789",
      repository: "acme/web",
    });
  });

  it("lets garde.yml override both, and a personal account's orgId is no team", () => {
    const dir = project(
      "overridden",
      {
        ".vercel/project.json": '{"projectId":"prj_abc123","orgId":"vHtDZ1lSvLtXhR6TYVcMxcsk"}',
        "garde.yml": "vercel-project: web\nrepository: acme/shop\n",
      },
      "https://github.com/acme/web",
    );
    expect(readProjectSettings(dir)).toEqual({ "vercel-project": "web", repository: "acme/shop" });
  });

  it("refuses an unknown key in garde.yml, naming the keys it knows", () => {
    const dir = project("typo", { "garde.yml": "vercel-projet: web\n" });
    expect(() => readProjectSettings(dir)).toThrow(/unknown key vercel-projet; known: vercel-project, /);
  });

  it.each([
    ["https://github.com/acme/web.git", "acme/web"],
    ["git@github.com:acme/web.git", "acme/web"],
    ["ssh://git@github.com/acme/web", "acme/web"],
    ["https://gitlab.com/acme/web.git", undefined],
  ])("%s → %s", (url, repository) => {
    expect(githubRepositoryOf(url)).toBe(repository);
  });
});
