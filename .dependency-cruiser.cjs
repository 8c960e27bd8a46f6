/**
 * The import graph's rules (tests/project/imports.test.ts runs them; `npx depcruise --config
 * .dependency-cruiser.cjs actions cli infra sandbox policies bin` prints them):
 * no loops between files, type imports included; the library, the infra program and the policy
 * pack import neither the CLI nor the sandbox; the CLI never imports the sandbox, which runs as its
 * own entry (bin/garde-sandbox.js) and may import both.
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "Types two files share belong in the lower one, so every folder's imports form a tree.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "cli-not-sandbox",
      comment: "The CLI hands garde sandbox to bin/garde-sandbox.js; it never loads emulator code.",
      severity: "error",
      from: { path: "^cli/" },
      to: { path: "^sandbox/" },
    },
    {
      name: "core-not-doors",
      comment: "actions/lib, infra and policies are what the doors (actions, CLI, sandbox) call.",
      severity: "error",
      from: { path: "^(actions/lib|infra|policies)/" },
      to: { path: "^(cli|sandbox)/" },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)dist/" },
  },
};
