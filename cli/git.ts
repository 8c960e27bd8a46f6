import { execFileSync } from "node:child_process";

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5_000,
    }).trim();
  } catch {
    return undefined;
  }
}

/** refs/heads/<branch> checked out in cwd, when on a branch. */
export const currentRef = (cwd: string) => git(cwd, ["symbolic-ref", "-q", "HEAD"]);
export const headSha = (cwd: string) => git(cwd, ["rev-parse", "HEAD"]);
