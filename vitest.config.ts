import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    // Vitest's default leaves one core free: a single worker on a 2-core runner. The files mostly
    // wait on emulators, timers and child processes, so two workers there halve the wall time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    hookTimeout: 30_000,
    // @actions/workflow-parser imports its JSON schema without an import attribute: let Vite load it.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});
