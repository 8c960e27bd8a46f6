// A build taken while `npm run mutate` has a source file mutated would ship the mutant: the
// mutator sets each original aside as FILE.mutate-original, so a build refuses while one exists.
// npm run mutate finds the originals a killed run left with the same walk, and puts them back.
import { readdirSync } from "node:fs";
import { join } from "node:path";

export const ORIGINAL_SUFFIX = ".mutate-original";

/** Every FILE.mutate-original under root (node_modules, .git and bundles aside), as absolute paths. */
export function mutatedOriginals(root, dir = root, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (["node_modules", ".git", "dist"].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) mutatedOriginals(root, path, found);
    else if (entry.name.endsWith(ORIGINAL_SUFFIX)) found.push(path);
  }
  return found;
}

export function refuseWhileMutated(root) {
  const found = mutatedOriginals(root).map((p) => p.slice(root.length + 1, -ORIGINAL_SUFFIX.length));
  if (found.length) {
    console.error(
      `build refused: ${found.join(", ")} ${found.length === 1 ? "is" : "are"} mutated by npm run mutate. Wait for it to end, or, if it was killed, run npm run mutate again: it puts the originals back first.`,
    );
    process.exit(1);
  }
}
