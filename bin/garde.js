#!/usr/bin/env node
// The CLI is TypeScript, so the CLI and the actions share actions/lib as written. It runs compiled
// (cli/dist, which npm install and npm run build make) while that build is of the sources as they
// are: 0.3 s sooner than compiling through tsx's loader. A source edited since, or no build, and it
// runs the sources through tsx: a build never shadows an edit.
import { freshCompiledCli } from "./compiled-cli.js";

const compiled = freshCompiledCli();
let cli;
if (compiled) {
  cli = await import(compiled);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import("../cli/garde.ts");
}
await cli.runProcess();
