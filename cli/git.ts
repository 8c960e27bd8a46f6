import { execFileSync } from "node:child_process";

/** git's trimmed output in cwd; throws when git fails (no repository, an unknown revision). */
export function gitOutput(cwd: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 5_000,
  }).trim();
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return gitOutput(cwd, args);
  } catch {
    return undefined;
  }
}

/** refs/heads/<branch> checked out in cwd, when on a branch. */
export const currentRef = (cwd: string) => git(cwd, ["symbolic-ref", "-q", "HEAD"]);
export const headSha = (cwd: string) => git(cwd, ["rev-parse", "HEAD"]);
