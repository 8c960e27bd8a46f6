import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

describe("committed action bundles", () => {
  it("match a fresh build of the sources (run `npm run build` and commit dist/ when this fails)", async () => {
    const out = mkdtempSync(join(tmpdir(), "garde-dist-"));
    try {
      await promisify(execFile)(process.execPath, [join(root, "scripts/build-actions.mjs"), "--out", out]);
      for (const action of readdirSync(out)) {
        const committed = join(root, "actions", action, "dist");
        const fresh = join(out, action);
        expect(filesUnder(committed), `files of actions/${action}/dist`).toEqual(filesUnder(fresh));
        for (const file of filesUnder(fresh)) {
          const same = readFileSync(join(committed, file)).equals(readFileSync(join(fresh, file)));
          expect(same, `actions/${action}/dist/${file} is stale`).toBe(true);
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
