import { processIo, runCommand } from "../cli/garde.ts";
import { sandboxCommand } from "./command.ts";

/** The sandbox's process: `garde sandbox` (and bin/garde-sandbox.js) run this. */
process.exitCode = await runCommand(sandboxCommand, process.argv.slice(2), process.env, processIo());
