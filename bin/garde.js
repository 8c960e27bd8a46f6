#!/usr/bin/env node
// The CLI is TypeScript, so the CLI and the actions share actions/lib as written. It runs compiled
// (cli/dist, which npm install and npm run build make) while that build is of the sources as they
// are: 0.3 s sooner than compiling through tsx's loader. A source edited since, or no build, and it
// runs the sources through tsx: a build never shadows an edit (see compiled-cli.js).
import { runGarde } from "./compiled-cli.js";

await runGarde();
