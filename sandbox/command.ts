import { InputError } from "../actions/lib/errors.ts";
import { PORT_SPAN, SANDBOX_SPEC, sandboxArguments } from "../cli/commands/sandbox.ts";
import type { Command } from "../cli/context.ts";
import { describePlatform, startPlatform } from "./platform.ts";

/**
 * `garde sandbox` itself: the emulators, the sample app and a production deployment, until
 * stopped. It lives with the emulators and runs as its own process (bin/garde-sandbox.js), so
 * the CLI never imports them: the CLI's `garde sandbox` hands its arguments over to it.
 */
export const sandboxCommand: Command = {
  ...SANDBOX_SPEC,
  async run(args, ctx) {
    const { portBase, untilStopped } = sandboxArguments(this, args, ctx);
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
    const signal = await untilStopped();
    ctx.reporter.info(`${signal}: stopping the sandbox`);
    await platform.stop();
    return 0;
  },
};
