// A build taken while `npm run mutate` has a source file mutated would ship the mutant: the
// mutator sets each original aside as FILE.mutate-original, so a build refuses while one exists.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const SOURCES = ["actions", "cli", "infra", "policies", "sandbox"];

function mutated(dir, root, found) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) mutated(path, root, found);
    else if (entry.name.endsWith(".mutate-original")) found.push(relative(root, path.slice(0, -16)));
  }
  return found;
}

export function refuseWhileMutated(root) {
  const found = SOURCES.flatMap((d) => mutated(join(root, d), root, []));
  if (found.length) {
    console.error(
      `build refused: ${found.join(", ")} ${found.length === 1 ? "is" : "are"} mutated by npm run mutate. Wait for it to end, or, if it was killed, run npm run mutate again: it puts the originals back first.`,
    );
    process.exit(1);
  }
}
