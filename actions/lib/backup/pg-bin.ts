import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.ts";

const hasPgTools = (dir: string) => existsSync(join(dir, "pg_dump")) && existsSync(join(dir, "pg_restore"));

/**
 * Where pg_dump and pg_restore are: --pg-bin, then GARDE_PG_BIN, then the newest server Debian
 * or Ubuntu installed, then /usr/bin (the client package). A directory the user named must hold
 * them: falling back from it would run other binaries than the ones asked for, or none.
 */
export function findPgBin(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const named = flag
    ? { dir: flag, how: "--pg-bin (CLI), pg-bin (action)" }
    : env.GARDE_PG_BIN
      ? { dir: env.GARDE_PG_BIN, how: "GARDE_PG_BIN" }
      : null;
  if (named) {
    if (hasPgTools(named.dir)) return named.dir;
    throw new InputError(
      "pg-bin",
      `${named.how} names ${named.dir}, which holds no pg_dump and pg_restore: name the directory of the PostgreSQL client (e.g. /usr/lib/postgresql/15/bin), or leave it unset to use the newest installed`,
    );
  }
  const root = "/usr/lib/postgresql";
  const installed = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join(root, v, "bin"))
    : [];
  const found = [...installed, "/usr/bin"].find(hasPgTools);
  if (!found) {
    throw new InputError(
      "pg-bin",
      "pg_dump and pg_restore not found: install the PostgreSQL client (apt-get install -y postgresql-client-15) or name their directory: --pg-bin DIR (CLI), pg-bin (action), GARDE_PG_BIN",
    );
  }
  return found;
}
