import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { InputError } from "../../actions/lib/errors.ts";
import { type CliContext, type Command, noPositionals, stringFlag } from "../context.ts";
import { type CommandSpec, JSON_FLAG, type ParsedArgs } from "../flags.ts";

/** The sandbox listens on --port-base and the ports after it. */
export const PORT_SPAN = 7;

export function portBaseOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1024 || n > 65535 - PORT_SPAN) {
    throw new InputError(
      "port-base",
      `--port-base must be a whole number from 1024 to ${65535 - PORT_SPAN} (the sandbox uses it and the next ${PORT_SPAN - 1} ports), got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/** What `garde help sandbox` shows; sandbox/command.ts runs it. */
export const SANDBOX_SPEC: CommandSpec = {
  name: "sandbox",
  summary: "Run the emulated Vercel, GitHub and GCP with the sample app, until Ctrl-C, to drive by hand.",
  details: [
    "Starts every emulator over HTTPS (a CA made for this run), the sample app as a git repository linked to an emulated Vercel project, and a production deployment made by garde's deploy.",
    "Prints the URLs, tokens and variables to export, so garde, the vercel CLI (--api URL) and curl reach it; --json prints them as one JSON line first.",
    "SIGINT or SIGTERM stops every server and removes every directory it made.",
  ],
  flags: [
    {
      name: "port-base",
      kind: "string",
      value: "N",
      description:
        "Listen on N…N+5 (Vercel, GitHub, Slack, Monitoring, Secret Manager, Storage); default: free ports.",
    },
    JSON_FLAG,
  ],
  examples: ["garde sandbox", "garde sandbox --json --port-base 7400 > sandbox.json &"],
};

/**
 * What both sides of `garde sandbox` check first: no positional, a --port-base in range, and a
 * process that can be stopped (it runs until Ctrl-C). The --port-base asked for, and the stop.
 */
export function sandboxArguments(
  command: Command,
  args: ParsedArgs,
  ctx: CliContext,
): { portBase: number | undefined; untilStopped: () => Promise<string> } {
  noPositionals(command, args);
  const portBase = portBaseOf(stringFlag(args, "port-base"));
  if (!ctx.untilStopped) throw new Error("garde sandbox runs until stopped, but no stop signal is wired");
  return { portBase, untilStopped: ctx.untilStopped };
}

/** The sandbox's own entry: the emulators are its code, never the CLI's (nor in the CLI's build). */
const SANDBOX_BIN = fileURLToPath(new URL("../../bin/garde-sandbox.js", import.meta.url));

/**
 * Hands `garde sandbox` over to the sandbox's own process, as git runs git-foo: same arguments,
 * same terminal, Ctrl-C and SIGTERM passed on, its exit code returned once it has cleaned up.
 */
export const sandboxCommand: Command = {
  ...SANDBOX_SPEC,
  async run(args, ctx) {
    // Bad input is refused here, in this process's terms, before anything starts.
    const { portBase } = sandboxArguments(this, args, ctx);
    const argv = [
      ...(portBase === undefined ? [] : ["--port-base", String(portBase)]),
      ...(args.values.json ? ["--json"] : []),
    ];
    const child = spawn(process.execPath, [SANDBOX_BIN, ...argv], {
      cwd: ctx.cwd,
      env: ctx.env as NodeJS.ProcessEnv,
      stdio: "inherit",
    });
    const pass = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", pass);
    process.on("SIGTERM", pass);
    try {
      return await new Promise<number>((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      });
    } finally {
      process.off("SIGINT", pass);
      process.off("SIGTERM", pass);
    }
  },
};
