import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { CompareRefs } from "./github-emulator.ts";

/**
 * The sandbox's product: a small web app in a real local git repository. Each commit is what
 * the Vercel emulator "builds": the files under public/ are served, and routes.json may
 * override a path's status and body (how a bad release is simulated).
 */
export class SampleApp {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static create(): SampleApp {
    const app = new SampleApp(mkdtempSync(join(tmpdir(), "garde-sample-app-")));
    app.git("init", "--quiet", "--initial-branch=main");
    app.commit(
      "main",
      {
        "public/index.html": "<!doctype html><title>Sample</title><h1>garde sample app</h1>\n",
        "public/healthz": '{"status":"ok"}\n',
        "public/api/status": '{"api":"ok"}\n',
        "README.md": "# sample app\nDeployed by the garde sandbox.\n",
      },
      "Initial release",
    );
    app.git("branch", "develop");
    return app;
  }

  git(...args: string[]): string {
    return execFileSync("git", args, {
      cwd: this.dir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "garde sandbox",
        GIT_AUTHOR_EMAIL: "sandbox@garde.invalid",
        GIT_COMMITTER_NAME: "garde sandbox",
        GIT_COMMITTER_EMAIL: "sandbox@garde.invalid",
      },
    }).trim();
  }

  /** Commits files (null deletes) on a branch, creating it from `from` when new; returns the SHA. */
  commit(branch: string, files: Record<string, string | null>, message: string, from = "develop"): string {
    if (this.hasCommits()) {
      const exists = this.git("branch", "--list", branch) !== "";
      this.git("checkout", "--quiet", ...(exists ? [branch] : ["-b", branch, from]));
    }
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (content === null) rmSync(full, { force: true });
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
    this.git("add", "--all");
    this.git("commit", "--quiet", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD");
  }

  /** Merges `source` into `into` with a merge commit, as a PR merge does; returns the SHA. */
  merge(source: string, into: string): string {
    this.git("checkout", "--quiet", into);
    this.git("merge", "--quiet", "--no-ff", "-m", `Merge ${source} into ${into}`, source);
    return this.git("rev-parse", "HEAD");
  }

  /** merge(), or undefined when the two conflict (the merge is aborted, as GitHub leaves the branch). */
  tryMerge(source: string, into: string): string | undefined {
    try {
      return this.merge(source, into);
    } catch {
      this.git("merge", "--abort");
      return undefined;
    }
  }

  private hasCommits(): boolean {
    try {
      this.git("rev-parse", "--verify", "--quiet", "HEAD");
      return true;
    } catch {
      return false;
    }
  }

  /** The commit a branch, tag or SHA names, as GitHub resolves a deployment's ref; undefined when none. */
  resolveRef(ref: string): string | undefined {
    try {
      return this.git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
    } catch {
      return undefined;
    }
  }

  /** How far head is ahead of and behind base, as GitHub's compare says; undefined when a ref is unknown. */
  compare(base: string, head: string): ReturnType<CompareRefs> {
    const baseSha = this.resolveRef(base);
    const headSha = this.resolveRef(head);
    if (!baseSha || !headSha) return undefined;
    const count = (range: string) => Number(this.git("rev-list", "--count", range));
    return {
      base: baseSha,
      head: headSha,
      mergeBase: this.git("merge-base", baseSha, headSha),
      ahead: count(`${baseSha}..${headSha}`),
      behind: count(`${headSha}..${baseSha}`),
    };
  }

  hasCommit(sha: string): boolean {
    try {
      return this.git("cat-file", "-t", sha) === "commit";
    } catch {
      return false;
    }
  }

  /** The files of a commit under a folder, as the build's output. */
  readTree(sha: string, folder = "public"): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    let listing = "";
    try {
      listing = this.git("ls-tree", "-r", "--name-only", sha, `${folder}/`);
    } catch {
      return files;
    }
    for (const path of listing.split("\n").filter(Boolean)) {
      const content = execFileSync("git", ["show", `${sha}:${path}`], { cwd: this.dir });
      files.set(path.slice(folder.length), content);
    }
    return files;
  }

  /** Optional routes.json at the commit: { "/path": { "status": 500, "body": "…", "delayMs": 0, "productionOnly": true } }. */
  readRoutes(
    sha: string,
  ): Record<string, { status?: number; body?: string; delayMs?: number; productionOnly?: boolean }> {
    try {
      return JSON.parse(
        execFileSync("git", ["show", `${sha}:routes.json`], {
          cwd: this.dir,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        }),
      );
    } catch {
      return {};
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
