import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Readable } from "node:stream";

/**
 * libpq settings for a child process: the password travels in PGPASSWORD, never in argv,
 * where `ps` and /proc/PID/cmdline would show it to every user of the machine.
 */
export function libpqEnv(databaseUrl: string): Record<string, string> {
  const url = new URL(databaseUrl);
  const env: Record<string, string> = {
    PGHOST: url.hostname.replace(/^\[|\]$/g, ""),
    PGPORT: url.port || "5432",
    PGDATABASE: decodeURIComponent(url.pathname.slice(1)) || "postgres",
  };
  if (url.username) env.PGUSER = decodeURIComponent(url.username);
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  const sslmode = url.searchParams.get("sslmode");
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

/**
 * Spawns a PostgreSQL client tool with the database reached through libpq's variables. `exited`
 * resolves to null on exit 0, else to an error carrying the tool's own stderr.
 */
export function spawnPgTool(
  bin: string,
  tool: "pg_dump" | "pg_restore",
  args: string[],
  databaseUrl: string,
  stdin: "ignore" | "pipe",
) {
  const path = join(bin, tool);
  const child = spawn(path, args, {
    env: libpqEnv(databaseUrl),
    stdio: [stdin, stdin === "pipe" ? "ignore" : "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    if (stderr.length < 8_000) stderr += chunk;
  });
  const exited = new Promise<Error | null>((resolve) => {
    child.once("error", (err) => resolve(new Error(`Cannot run ${path}: ${err.message}`)));
    child.once("close", (code, signal) =>
      resolve(
        code === 0
          ? null
          : new Error(`${tool} failed (${signal ?? `exit ${code}`}): ${stderr.trim() || "no message"}`),
      ),
    );
  });
  return { child, exited };
}

export interface DumpProcess {
  stdout: Readable;
  pid: number | undefined;
  /** Resolves when pg_dump exited 0; rejects with its stderr otherwise. */
  done: Promise<void>;
}

/** pg_dump --format=custom of the snapshot another session exported, streamed on stdout. */
export function spawnPgDump(opts: { bin: string; databaseUrl: string; snapshot: string }): DumpProcess {
  const { child, exited } = spawnPgTool(
    opts.bin,
    "pg_dump",
    ["--format=custom", "--no-password", `--snapshot=${opts.snapshot}`],
    opts.databaseUrl,
    "ignore",
  );
  const done = exited.then((err) => {
    if (err) throw err;
  });
  return { stdout: child.stdout as Readable, pid: child.pid, done };
}
