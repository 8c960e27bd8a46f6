// Bundles each action's index.ts into actions/<name>/dist/index.js (ESM, one file, no node_modules at run time),
// and the policy pack into policies/dist/index.cjs.
// `node scripts/build-actions.mjs --out DIR` writes to DIR/<name>/index.js instead: the check-dist test uses it.
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { actionNames } from "./action-names.mjs";
import { refuseWhileMutated } from "./mutation-guard.mjs";

const root = resolve(import.meta.dirname, "..");
refuseWhileMutated(root);
const outIndex = process.argv.indexOf("--out");
const outRoot = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : null;

// @actions/core imports its OIDC client (and through it @actions/http-client and undici) at
// start-up; garde's actions never ask for an OIDC token before their first request. The shim
// defers that module to the getIDToken call; "?real" reaches the original.
const deferOidcClient = {
  name: "defer-actions-core-oidc",
  setup(b) {
    b.onResolve({ filter: /oidc-utils\.js(\?real)?$/ }, (args) => {
      if (args.path.endsWith("?real")) {
        return { path: join(root, "node_modules/@actions/core/lib/oidc-utils.js") };
      }
      if (args.importer.includes(join("@actions", "core", "lib"))) {
        return { path: join(root, "scripts/shims/oidc-utils.js") };
      }
      return undefined;
    });
  },
};

for (const name of actionNames()) {
  // Chunk names carry content hashes: clear old ones so dist/ holds only this build.
  if (!outRoot) rmSync(join(root, "actions", name, "dist"), { recursive: true, force: true });
  await build({
    entryPoints: [join(root, "actions", name, "index.ts")],
    outdir: outRoot ? join(outRoot, name) : join(root, "actions", name, "dist"),
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    // Split so that code loaded on demand (the Vercel SDK) stays out of the start-up path.
    splitting: true,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minify: true,
    legalComments: "none",
    logLevel: "warning",
    plugins: [deferOidcClient],
    // Some dependencies still call require(); give the ESM bundle one.
    banner: {
      js: 'import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);',
    },
  });
}

// The policy pack, for `pulumi preview --policy-pack policies`: one CommonJS file (the engine's
// policy runner require()s it), the Pulumi SDKs left to the repository's node_modules so the
// pack and the providers share one @pulumi/pulumi.
await build({
  entryPoints: [join(root, "policies", "pack.ts")],
  outfile: outRoot ? join(outRoot, "policy-pack", "index.cjs") : join(root, "policies", "dist", "index.cjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  external: ["@pulumi/*", "@pulumiverse/*"],
  legalComments: "none",
  logLevel: "warning",
});
