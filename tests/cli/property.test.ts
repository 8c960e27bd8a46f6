import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { COMMANDS, main } from "../../cli/garde.ts";
import { startSandbox } from "../../sandbox/sandbox.ts";

/**
 * Whatever a user types, garde answers with exit 0, 1 or 2 and a sentence, never a stack trace,
 * and it ends. Commands run in-process in an empty directory with no tokens and no Google
 * credentials; values come from a pool of the mistakes people make (zero intervals, typos,
 * huge numbers, URLs to nowhere, shell fragments).
 */
const cwd = mkdtempSync(join(tmpdir(), "garde-cli-property-"));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const VALUES = [
  "",
  "x",
  "0",
  "-1",
  "0s",
  "0.001",
  "1s",
  "10m",
  "7h",
  "99999999999999999999",
  "NaN",
  "previous",
  "dpl_abc123",
  "nonsense",
  "true",
  "false",
  "http://127.0.0.1:9",
  "not a url",
  "ftp://example.com",
  "../../etc/passwd",
  "refs/heads/main",
  "refs/pull/1/merge",
  "push",
  "pull_request",
  "workflow_dispatch",
  "version=1.2.3",
  "=",
  "$(rm -rf /)",
  "é🚀",
  "a".repeat(500),
];
/** Stop a run at this bound: a command that has not answered by then is a hung loop. */
const BOUND_MS = 20_000;

function flagArb(names: string[]) {
  const typo = (n: string) => fc.constantFrom(`${n}x`, n.slice(1), n.replace("-", ""));
  return fc.oneof(
    fc.constantFrom(...names),
    fc.constantFrom(...names).chain(typo),
    fc.constantFrom("help", "json", "version", "h"),
  );
}

const argvArb = fc
  .constantFrom(...COMMANDS.map((c) => c.name), "help", "deplyo", "--version", "-x")
  .chain((command) => {
    const spec = COMMANDS.find((c) => c.name === command);
    const names = spec ? spec.flags.map((f) => f.name) : ["json"];
    const token = fc.oneof(
      fc.tuple(flagArb(names), fc.constantFrom(...VALUES)).map(([f, v]) => [`--${f}`, v]),
      flagArb(names).map((f) => [`--${f}`]),
      fc.constantFrom(...VALUES).map((v) => [v]),
    );
    return fc.array(token, { maxLength: 6 }).map((parts) => [command, ...parts.flat()]);
  });

async function runBounded(argv: string[], env: Record<string, string | undefined> = {}, dir = cwd) {
  const out: string[] = [];
  const err: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), BOUND_MS);
  });
  const code = await Promise.race([
    main(
      argv,
      { PATH: process.env.PATH, METADATA_SERVER_DETECTION: "none", ...env },
      {
        cwd: dir,
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
      },
    ),
    timeout,
  ]);
  clearTimeout(timer);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("garde with random flags and values", () => {
  it("exits 0, 1 or 2, prints no stack trace, and ends within the bound", async () => {
    await fc.assert(
      fc.asyncProperty(argvArb, async (argv) => {
        const r = await runBounded(argv);
        expect([0, 1, 2], `garde ${JSON.stringify(argv)} → ${r.code}\n${r.stderr}`).toContain(r.code);
        expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
        if (r.code === 2) expect(r.stderr).toMatch(/^garde: \S/);
      }),
      { numRuns: 120, seed: Number(process.env.GARDE_PROPERTY_SEED ?? 20261122), endOnFailure: true },
    );
  }, 600_000);
});

describe("garde rollback against a live sandbox, with the watch's own knobs at random", () => {
  it("ends within the bound whatever the window and interval: no zero-interval spin", async () => {
    const sandbox = await startSandbox({ buildMs: 1, promoteMs: 1 });
    const dir = mkdtempSync(join(tmpdir(), "garde-cli-watch-"));
    try {
      writeFileSync(
        join(dir, "garde.yml"),
        `vercel-project: ${sandbox.project}\nrepository: ${sandbox.repository}\nvercel-api-url: ${sandbox.vercel.url}\ngithub-api-url: ${sandbox.github.url}\n`,
      );
      const env = { VERCEL_TOKEN: sandbox.vercelToken, GITHUB_TOKEN: sandbox.githubToken };
      const deployed = await runBounded(
        [
          "deploy",
          "--ref",
          "refs/heads/main",
          "--sha",
          sandbox.app.git("rev-parse", "main"),
          "--poll-interval",
          "0.05",
        ],
        env,
        dir,
      );
      expect(deployed.code, deployed.stderr).toBe(0);
      const watchArgs = fc
        .record({
          window: fc.constantFrom("0s", "1s", "2s", "0.5s", "7h", "x"),
          interval: fc.constantFrom("0s", "0", "1ms", "1s", "2s", "11m"),
          failures: fc.constantFrom("1", "3", "0", "1000"),
        })
        .map((a) => [
          "rollback",
          "--watch-window",
          a.window,
          "--watch-interval",
          a.interval,
          "--consecutive-failures",
          a.failures,
        ]);
      await fc.assert(
        fc.asyncProperty(watchArgs, async (argv) => {
          const r = await runBounded(argv, env, dir);
          expect([0, 1, 2], `garde ${JSON.stringify(argv)} → ${r.code}\n${r.stderr}`).toContain(r.code);
          expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
        }),
        { numRuns: 12, seed: 1122, endOnFailure: true },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await sandbox.stop();
    }
  }, 300_000);
});

describe("help comes from the flag table the parser uses", () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    "garde help %s lists every flag garde %s accepts",
    async (name, spec) => {
      const viaHelp = await runBounded(["help", name]);
      const viaFlag = await runBounded([name, "--help"]);
      expect(viaHelp.code).toBe(0);
      expect(viaFlag.stdout).toBe(viaHelp.stdout);
      for (const flag of spec.flags) expect(viaHelp.stdout).toContain(`--${flag.name}`);
      // Every flag the help lists is accepted (no "has no option").
      for (const [, listed] of viaHelp.stdout.matchAll(/^ {2}--([\w-]+)/gm)) {
        const r = await runBounded([name, `--${listed}`, "--help"]);
        expect(r.stderr).not.toMatch(/has no option/);
      }
    },
  );

  it("prints the version of package.json", async () => {
    const r = await runBounded(["--version"]);
    expect(r).toMatchObject({ code: 0, stdout: "garde 0.1.0\n" });
  });
});
