import { InputError } from "../../actions/lib/errors.ts";
import { type Command, noPositionals, stringFlag } from "../context.ts";
import { JSON_FLAG } from "../flags.ts";

const PORT_SPAN = 7;

function portBaseOf(raw: string | undefined): number | undefined {
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

export const sandboxCommand: Command = {
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
  async run(args, ctx) {
    noPositionals(this, args);
    const portBase = portBaseOf(stringFlag(args, "port-base"));
    if (!ctx.untilStopped) throw new Error("garde sandbox runs until stopped, but no stop signal is wired");
    // Loaded here: the emulators are not needed by any other command.
    const { describePlatform, startPlatform } = await import("../../sandbox/platform.ts");
    const platform = await startPlatform({
      portBase,
      reporter: ctx.reporter,
      extraCaCerts: ctx.env.NODE_EXTRA_CA_CERTS,
    }).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EADDRINUSE") throw err;
      throw new InputError(
        "port-base",
        `a port from ${portBase} to ${(portBase ?? 0) + PORT_SPAN - 1} is already in use (${(err as Error).message}); choose another --port-base, or omit it for free ports`,
      );
    });
    if (args.values.json) ctx.stdout(`${JSON.stringify(platform.description)}\n`);
    else ctx.stdout(describePlatform(platform.description));
    const signal = await ctx.untilStopped();
    ctx.reporter.info(`${signal}: stopping the sandbox`);
    await platform.stop();
    return 0;
  },
};
