import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshCompiledCli, MANIFEST } from "../../bin/compiled-cli.js";
import { buildCli } from "../../scripts/build-cli.mjs";
import { execNode } from "../processes.ts";

const ROOT = resolve(import.meta.dirname, "../..");
let out: string;

beforeAll(async () => {
  // Two levels below the root, as cli/dist is: a compiled chunk finds the sources from there.
  mkdirSync(join(ROOT, ".garde-tmp"), { recursive: true });
  out = mkdtempSync(join(ROOT, ".garde-tmp", "cli-"));
  await buildCli(out);
  const runner = (from: string) =>
    `import { runProcess } from ${JSON.stringify(from)};\nawait runProcess();\n`;
  writeFileSync(join(out, "run.mjs"), runner("./garde.js"));
  // bin/garde.js's choice, with a build that is not there: the sources, through tsx.
  const launcher = pathToFileURL(join(ROOT, "bin/compiled-cli.js")).href;
  writeFileSync(
    join(out, "run-sources.mjs"),
    `import { runGarde } from ${JSON.stringify(launcher)};\nawait runGarde(${JSON.stringify(join(out, "no-build"))});\n`,
  );
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

const compiled = (args: string[]) => execNode([join(out, "run.mjs"), ...args], {}, ROOT);
const fromSources = (args: string[]) => execNode([join(out, "run-sources.mjs"), ...args], {}, ROOT);

describe("the compiled CLI (cli/dist)", () => {
  it("is taken while its sources are unchanged, and lists what it was built from", () => {
    expect(freshCompiledCli(out)).toBe(join(out, "garde.js"));
    const { inputs } = JSON.parse(readFileSync(join(out, MANIFEST), "utf8")) as { inputs: string[][] };
    const sources = inputs.map(([path]) => path);
    expect(sources).toEqual(
      expect.arrayContaining(["cli/garde.ts", "infra/plan.ts", "actions/lib/errors.ts"]),
    );
    expect(sources.filter((s) => (s as string).includes("node_modules"))).toEqual([]);
  });

  it("is passed over once a source changes or goes, or when the build has no manifest", () => {
    const manifest = join(out, MANIFEST);
    const built = readFileSync(manifest, "utf8");
    try {
      const { inputs } = JSON.parse(built) as { inputs: [string, number, number][] };
      const edited = inputs.map(([p, size, mtime], i) => [p, size, i === 3 ? mtime - 1000 : mtime]);
      writeFileSync(manifest, JSON.stringify({ inputs: edited }));
      expect(freshCompiledCli(out)).toBeUndefined();
      writeFileSync(manifest, JSON.stringify({ inputs: [...inputs, ["cli/removed-since.ts", 10, 0]] }));
      expect(freshCompiledCli(out)).toBeUndefined();
      rmSync(manifest);
      expect(freshCompiledCli(out)).toBeUndefined();
    } finally {
      writeFileSync(manifest, built);
    }
    expect(freshCompiledCli(out)).toBe(join(out, "garde.js"));
  });

  it("plans, diffs and fails as the sources do (bin/garde.js runs these without a fresh build)", async () => {
    for (const args of [
      ["plan", "--all", "--json"],
      ["plan", "--stack", "prod", "--diff", "HEAD"],
      ["plan", "--file", "no-such.yaml"],
      ["--version"],
    ]) {
      const [a, b] = await Promise.all([compiled(args), fromSources(args)]);
      expect({ code: a.code, stdout: a.stdout, stderr: a.stderr }, args.join(" ")).toEqual({
        code: b.code,
        stdout: b.stdout,
        stderr: b.stderr,
      });
    }
  }, 120_000);
});
