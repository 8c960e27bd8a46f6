import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ScratchRepo {
  dir: string;
  /** git in the repository, with an author of its own (no global git config needed). */
  git(...args: string[]): string;
}

/**
 * A throw-away git repository whose first commit on main holds what `fill` wrote into it: the
 * base a PR is compared with, for the story, the tests and the benchmarks of garde plan --diff.
 */
export function scratchRepo(prefix: string, fill: (dir: string) => void): ScratchRepo {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=garde", "-c", "user.email=garde@garde.invalid", ...args], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
  fill(dir);
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "base");
  return { dir, git };
}
