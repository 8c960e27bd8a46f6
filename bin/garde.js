#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so the CLI and the actions share actions/lib as written.
import { register } from "tsx/esm/api";

register();
const { runProcess } = await import("../cli/garde.ts");
await runProcess();
