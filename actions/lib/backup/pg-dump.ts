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

export interface DumpProcess {
  stdout: Readable;
  pid: number | undefined;
  /** Resolves when pg_dump exited 0; rejects with its stderr otherwise. */
  done: Promise<void>;
}

/** pg_dump --format=custom of the snapshot another session exported, streamed on stdout. */
export function spawnPgDump(opts: { bin: string; databaseUrl: string; snapshot: string }): DumpProcess {
  const child = spawn(
    join(opts.bin, "pg_dump"),
    ["--format=custom", "--no-password", `--snapshot=${opts.snapshot}`],
    { env: libpqEnv(opts.databaseUrl), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    if (stderr.length < 8_000) stderr += chunk;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once("error", (err) =>
      reject(new Error(`Cannot run ${join(opts.bin, "pg_dump")}: ${err.message}`)),
    );
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new Error(`pg_dump failed (${signal ?? `exit ${code}`}): ${stderr.trim() || "no message"}`));
    });
  });
  return { stdout: child.stdout, pid: child.pid, done };
}
