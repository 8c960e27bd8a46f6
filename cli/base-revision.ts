import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { InputError } from "../actions/lib/errors.ts";
import { gitOutput as git } from "./git.ts";

/** A base revision checked out beside the working tree, and how head paths map into it. */
export interface BaseTree {
  /** The revision as given, and the commit it names. */
  revision: string;
  commit: string;
  /** The checkout (git archive of the commit), removed by close(). */
  dir: string;
  /** The same path in the base tree, for a path inside the working tree. */
  at(path: string): string;
  close(): void;
}

/**
 * Resolves `revision` in the repository around `cwd` and unpacks that commit into a temp dir
 * (git archive: the work tree and its .git stay untouched). An unknown revision, or no
 * repository, is bad input: exit 2, naming it.
 */
export function checkoutBase(cwd: string, revision: string): BaseTree {
  let top: string;
  try {
    top = git(cwd, ["rev-parse", "--show-toplevel"]);
  } catch {
    throw new InputError(
      "diff",
      `--diff compares git revisions, but ${resolve(cwd)} is not in a git repository`,
    );
  }
  let commit: string;
  try {
    commit = git(top, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${revision}^{commit}`]);
  } catch {
    throw new InputError(
      "diff",
      `git does not know the revision ${revision}: give a branch, tag or commit of this repository (on a shallow CI clone, fetch it first: git fetch origin main)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "garde-base-"));
  try {
    const archive = execFileSync("git", ["archive", "--format=tar", commit], {
      cwd: top,
      maxBuffer: 1024 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Could not unpack ${revision} (${commit.slice(0, 12)}): ${(err as Error).message}`);
  }
  const realTop = resolve(top);
  return {
    revision,
    commit,
    dir,
    at(path) {
      const rel = relative(realTop, resolve(path));
      if (rel.startsWith(`..${sep}`) || rel === "..")
        throw new InputError("diff", `${path} is outside the git repository at ${realTop}`);
      return join(dir, rel);
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Where the infra program to evaluate the base with lives: the base revision's own copy when
 * garde itself is versioned in this repository (garde's own repo, a vendored copy), else the
 * installed one (a product repo changes its stack files, not garde). The base copy shares the
 * working tree's node_modules through a symlink.
 */
export function baseProgramRoot(base: BaseTree, installedRoot: string): string {
  let candidate: string;
  try {
    candidate = base.at(installedRoot);
  } catch {
    return installedRoot;
  }
  if (!existsSync(join(candidate, "infra", "plan.ts"))) return installedRoot;
  const modules = join(candidate, "node_modules");
  if (!existsSync(modules)) symlinkSync(join(installedRoot, "node_modules"), modules, "dir");
  return candidate;
}

/** A script run under tsx in a child process: stdin given, stdout collected; kill() stops it. */
export function runChild(
  script: string,
  args: string[],
  input: string,
  tsx: string,
): { done: Promise<{ code: number; stdout: string; stderr: string }>; kill(): void } {
  const child = spawn(process.execPath, ["--import", tsx, script, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((finish, fail) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", fail);
    child.on("close", (code) =>
      finish({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
  child.stdin.end(input);
  return { done, kill: () => child.kill() };
}
