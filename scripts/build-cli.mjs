// Compiles the garde CLI (cli/garde.ts and every source of this repository it imports) to cli/dist/:
// ESM, split so that a command's code loads when the command runs, packages left to node_modules.
// bin/garde.js runs it while inputs.json says its sources are unchanged, and the sources through
// tsx otherwise. `npm install` (prepare) and `npm run build` run this; `--out DIR` writes elsewhere.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { COMPILED_CLI, MANIFEST, manifestOf, ROOT } from "../bin/compiled-cli.js";
import { refuseWhileMutated } from "./mutation-guard.mjs";

/**
 * A source's import.meta.dirname and import.meta.url are its own file's, not the chunk it lands in:
 * the CLI finds files beside its sources that way (sandbox/smoke.yml, cli/plan-evaluate.ts) and
 * resolves packages from there. Every output file sits in cli/dist/, two levels below the root.
 */
const sourceLocations = {
  name: "source-import-meta",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes("node_modules")) return undefined;
      const file = relative(ROOT, args.path);
      const contents = (await readFile(args.path, "utf8"))
        .replaceAll("import.meta.dirname", `__gardeSourceDir(${JSON.stringify(file)})`)
        .replaceAll("import.meta.url", `__gardeSourceUrl(${JSON.stringify(file)})`);
      return { contents, loader: "ts" };
    });
  },
};

const banner = `import { dirname as __gardeDirname, join as __gardeJoin } from "node:path";
import { fileURLToPath as __gardeToPath, pathToFileURL as __gardeToUrl } from "node:url";
const __gardeRoot = __gardeJoin(__gardeDirname(__gardeToPath(import.meta.url)), "../..");
const __gardeSourceDir = (file) => __gardeDirname(__gardeJoin(__gardeRoot, file));
const __gardeSourceUrl = (file) => __gardeToUrl(__gardeJoin(__gardeRoot, file)).href;`;

export async function buildCli(outdir = COMPILED_CLI) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: { garde: join(ROOT, "cli/garde.ts") },
    outdir,
    entryNames: "[name]",
    chunkNames: "[name]-[hash]",
    splitting: true,
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: "esm",
    metafile: true,
    logLevel: "warning",
    plugins: [sourceLocations],
    banner: { js: banner },
  });
  const sources = Object.keys(result.metafile.inputs)
    .map((p) => relative(ROOT, resolve(process.cwd(), p)))
    .filter((p) => !p.startsWith("node_modules"))
    .sort();
  // Written last: a build cut short leaves no manifest, and so is never taken for fresh.
  writeFileSync(join(outdir, MANIFEST), manifestOf(sources));
  return sources;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  refuseWhileMutated(ROOT);
  const out = process.argv.indexOf("--out");
  await buildCli(out > 0 ? resolve(process.argv[out + 1]) : COMPILED_CLI);
}
