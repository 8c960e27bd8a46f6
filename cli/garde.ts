import { errorMessage, exitCodeFor, InputError } from "../actions/lib/errors.ts";
import type { Reporter } from "../actions/lib/reporter.ts";
import { VERSION } from "../actions/lib/version.ts";
import { backupCommand } from "./commands/backup.ts";
import { backupAgeCommand } from "./commands/backup-age.ts";
import { deployCommand } from "./commands/deploy.ts";
import { drillCommand } from "./commands/drill.ts";
import { maintenanceCommand } from "./commands/maintenance.ts";
import { planCommand } from "./commands/plan.ts";
import { pruneCommand } from "./commands/prune.ts";
import { rateLimitCommand } from "./commands/rate-limit.ts";
import { rollbackCommand } from "./commands/rollback.ts";
import { rotateCommand } from "./commands/rotate.ts";
import { routeCommand } from "./commands/route.ts";
import { sandboxCommand } from "./commands/sandbox.ts";
import { smokeCommand } from "./commands/smoke.ts";
import { snapshotConfigCommand } from "./commands/snapshot-config.ts";
import { switchTrafficCommand } from "./commands/switch-traffic.ts";
import { type CliContext, type Command, inCliTerms } from "./context.ts";
import { closest, commandHelp, generalHelp, parseCommandArgs } from "./flags.ts";

export const COMMANDS: readonly Command[] = [
  routeCommand,
  deployCommand,
  smokeCommand,
  rollbackCommand,
  rotateCommand,
  backupCommand,
  drillCommand,
  pruneCommand,
  backupAgeCommand,
  planCommand,
  maintenanceCommand,
  rateLimitCommand,
  switchTrafficCommand,
  snapshotConfigCommand,
  sandboxCommand,
];

export { VERSION };

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Resolves with the signal's name when the user asks a long-running command to stop. */
  untilStopped?: () => Promise<string>;
}

export const processIo = (): CliIo => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  untilStopped: () =>
    new Promise((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve(signal);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    }),
});

function unknownCommand(name: string): InputError {
  const guess = closest(
    name,
    COMMANDS.map((c) => c.name),
  );
  return new InputError(
    "command",
    `Unknown command "${name}".${guess ? ` Did you mean garde ${guess}?` : ""} Commands: ${COMMANDS.map((c) => c.name).join(", ")}. Run garde --help.`,
  );
}

/** Progress on stderr, so stdout stays the command's result (JSON, a table). */
const reporterFor = (env: Readonly<Record<string, string | undefined>>, io: CliIo): Reporter => ({
  info: (m) => io.stderr(`${m}\n`),
  warn: (m) => io.stderr(`warning: ${m}\n`),
  debug: (m) => {
    if (env.GARDE_DEBUG) io.stderr(`debug: ${m}\n`);
  },
});

/** Runs one CLI invocation; returns the exit code: 0 done, 1 a check failed, 2 bad input. */
export async function main(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo = processIo(),
): Promise<number> {
  let command: Command | undefined;
  try {
    const [first, ...rest] = argv;
    if (first === "--version" || first === "-v" || first === "version") {
      io.stdout(`garde ${VERSION}\n`);
      return 0;
    }
    if (first === undefined || first === "--help" || first === "-h") {
      io.stdout(generalHelp(COMMANDS, VERSION));
      return first === undefined ? 2 : 0;
    }
    if (first === "help") {
      if (!rest[0]) {
        io.stdout(generalHelp(COMMANDS, VERSION));
        return 0;
      }
      const topic = COMMANDS.find((c) => c.name === rest[0]);
      if (!topic) throw unknownCommand(rest[0]);
      io.stdout(commandHelp(topic));
      return 0;
    }
    if (first.startsWith("-")) {
      throw new InputError(
        "command",
        `garde takes a command first, then its flags: garde COMMAND ${first} …. Run garde --help.`,
      );
    }
    command = COMMANDS.find((c) => c.name === first);
    if (!command) throw unknownCommand(first);
  } catch (err) {
    io.stderr(`garde: ${errorMessage(err)}\n`);
    return exitCodeFor(err);
  }
  return runCommand(command, argv.slice(1), env, io);
}

/**
 * One command, start to end: its flags parsed, --help, its run with a context, and every failure
 * turned into a message in the CLI's terms and an exit code (0 done, 1 a check failed, 2 bad input).
 * garde's own main and the sandbox's entry both run commands through it.
 */
export async function runCommand(
  command: Command,
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
): Promise<number> {
  try {
    const args = parseCommandArgs(command, argv);
    if (args.values.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const ctx: CliContext = {
      env,
      cwd: io.cwd,
      stdout: io.stdout,
      reporter: reporterFor(env, io),
      untilStopped: io.untilStopped,
    };
    return await command.run(args, ctx);
  } catch (err) {
    const shown = InputError.is(err) ? inCliTerms(command, err) : err;
    io.stderr(`garde: ${errorMessage(shown)}\n`);
    return exitCodeFor(err);
  }
}

/**
 * The process door: a reader that stops early (`garde plan --json | head -1`) closes the pipe;
 * that is the reader's choice, not a crash, so EPIPE ends the process quietly.
 */
export async function runProcess(): Promise<void> {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = await main(process.argv.slice(2), process.env);
}
