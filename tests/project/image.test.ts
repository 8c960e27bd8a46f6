import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../actions/lib/version.ts";
import { gardeImage } from "../../infra/components/postgres-backups.ts";

const root = resolve(import.meta.dirname, "../..");
const dockerfile = readFileSync(resolve(root, "images/garde/Dockerfile"), "utf8");
const copied = [...dockerfile.matchAll(/^COPY (\S+(?: \S+)*) \S+$/gm)].flatMap((m) =>
  (m[1] ?? "").split(" "),
);

describe("garde's backup image (images/garde/Dockerfile)", () => {
  it("copies every project file the CLI loads, and only paths that exist", async () => {
    for (const path of copied) expect(existsSync(resolve(root, path)), path).toBe(true);
    // Everything bin/garde.js reaches, dynamic imports included, outside node_modules.
    const result = await build({
      entryPoints: [resolve(root, "bin/garde.js"), resolve(root, "cli/garde.ts")],
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      outdir: "/tmp/garde-image-check",
      packages: "external",
      logLevel: "silent",
    });
    const local = Object.keys(result.metafile.inputs)
      .map((p) => relative(root, resolve(process.cwd(), p)))
      .filter((p) => !p.startsWith("node_modules"));
    expect(local).toContain("actions/lib/backup/backup.ts");
    const outside = local.filter((p) => !copied.some((c) => p === c || p.startsWith(`${c}/`)));
    expect(outside).toEqual([]);
  });

  it("is the image infra/ schedules: garde's version, the server's major version", () => {
    expect(gardeImage(16)).toBe(`ghcr.io/garde-dev/garde:${VERSION}-pg16`);
    expect(dockerfile).toMatch(/^FROM postgres:\$\{PG_MAJOR\}-alpine$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["garde"\]$/m);
  });
});
