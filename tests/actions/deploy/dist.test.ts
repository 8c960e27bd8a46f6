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

/** Where each bundle the build writes is committed: the actions' dist/, and the policy pack's. */
const committedDir = (name: string) =>
  name === "policy-pack" ? join(root, "policies", "dist") : join(root, "actions", name, "dist");

describe("committed action bundles and policy pack", () => {
  it("match a fresh build of the sources (run `npm run build` and commit dist/ when this fails)", async () => {
    const out = mkdtempSync(join(tmpdir(), "garde-dist-"));
    try {
      await promisify(execFile)(process.execPath, [join(root, "scripts/build-actions.mjs"), "--out", out]);
      for (const action of readdirSync(out)) {
        const committed = committedDir(action);
        const fresh = join(out, action);
        expect(filesUnder(committed), `files of ${relative(root, committed)}`).toEqual(filesUnder(fresh));
        for (const file of filesUnder(fresh)) {
          const same = readFileSync(join(committed, file)).equals(readFileSync(join(fresh, file)));
          expect(same, `${relative(root, committed)}/${file} is stale`).toBe(true);
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
