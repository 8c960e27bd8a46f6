#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so the CLI and the actions share actions/lib as written.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/garde.ts");
process.exitCode = await main(process.argv.slice(2), process.env);
