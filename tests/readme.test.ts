import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalPostgres, postgresBin, startPostgres } from "../sandbox/postgres.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";

/**
 * The README's terminal commands, run as written: every `npx garde …` line of its sh blocks runs
 * in bash against the sandbox, inside the sample app's repository with the README's own garde.yml
 * and rotation.yml (plus the emulators' URLs), or, for `garde plan`, in this project.
 */
const root = resolve(import.meta.dirname, "..");
const BIN = join(root, "bin/garde.js");
const readme = readFileSync(join(root, "README.md"), "utf8");

function blocks(lang: string): string[] {
  return [...readme.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map(
    (m) => m[1] as string,
  );
}

/** Commands of the sh blocks, continuation lines joined, in README order. */
function readmeCommands(): string[] {
  const commands: string[] = [];
  for (const block of blocks("sh")) {
    for (const line of block.replace(/\\\n\s*/g, "").split("\n")) {
      if (/\bnpx garde\b/.test(line) || /^export /.test(line)) commands.push(line);
    }
  }
  return commands;
}

const yamlBlock = (first: RegExp) => {
  const found = blocks("yaml").find((b) => first.test(b));
  if (!found) throw new Error(`README has no yaml block matching ${first}`);
  return found;
};

let sandbox: Sandbox;
let database: LocalPostgres;
let home: string;
beforeAll(async () => {
  database = await startPostgres();
  home = mkdtempSync(join(tmpdir(), "garde-readme-home-"));
  const settings = yamlBlock(/^# garde\.yml/);
  const project = /^vercel-project: (\S+)$/m.exec(settings)?.[1];
  const repository = /^repository: (\S+)$/m.exec(settings)?.[1];
  sandbox = await startSandbox({ buildMs: 1, promoteMs: 1, project, repository });
  const dir = sandbox.app.dir;
  writeFileSync(
    join(dir, "garde.yml"),
    `${settings}vercel-api-url: ${sandbox.vercel.url}\ngithub-api-url: ${sandbox.github.url}\n`,
  );
  writeFileSync(join(dir, "rotation.yml"), yamlBlock(/^store: /));
  // The sample app's own checks, where the README's garde.yml expects a project's.
  mkdirSync(join(dir, ".github"), { recursive: true });
  copyFileSync(join(root, "sandbox/smoke.yml"), join(dir, ".github/smoke.yml"));
  sandbox.app.git("add", "garde.yml", "rotation.yml", ".github/smoke.yml");
  sandbox.app.git("commit", "--quiet", "-m", "garde settings");
});
afterAll(async () => {
  await sandbox?.stop();
  database?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function bash(script: string, cwd: string, env: Record<string, string>) {
  try {
    const r = await promisify(execFile)("bash", ["-c", script], { cwd, env, timeout: 60_000 });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("README terminal commands", () => {
  const commands = readmeCommands();

  it("are there to run", () => {
    expect(commands.filter((c) => c.includes("npx garde")).length).toBeGreaterThanOrEqual(5);
  });

  it.each(commands.filter((c) => c.includes("npx garde")).map((c, i) => [i, c] as const))(
    "#%i runs as written: %s",
    async (_, command) => {
      // `VAR=…` placeholders take the value the reader would type: here, the sandbox's.
      const script = `garde() { node ${JSON.stringify(BIN)} "$@"; }\n${command
        .replace(/\bnpx garde\b/g, "garde")
        .replace(/\b([A-Z_]+)=…/g, '$1="$$$1"')}`;
      const cwd = /garde plan/.test(command) ? root : sandbox.app.dir;
      const r = await bash(script, cwd, {
        PATH: process.env.PATH ?? "",
        HOME: home,
        DATABASE_URL: database.adminUrl,
        SCRATCH_URL: database.adminUrl,
        GARDE_PG_BIN: postgresBin,
        VERCEL_TOKEN: sandbox.vercelToken,
        GITHUB_TOKEN: sandbox.githubToken,
        GARDE_STORE_KEY: "ab".repeat(32),
        // No Google credentials on this machine, as for a first-time reader.
        GOOGLE_APPLICATION_CREDENTIALS: join(sandbox.app.dir, "no-such-key.json"),
        METADATA_SERVER_DETECTION: "none",
      });
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (/garde rotate .*--dry-run/.test(command)) {
        // The README's gcp store without Google credentials: still a plan, and how to log in.
        expect(r.stdout).toMatch(/api-token: due unknown/);
        expect(r.stderr).toMatch(/gcloud auth application-default login/);
      }
    },
  );
});
