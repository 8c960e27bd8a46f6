import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.ts";

/**
 * Where pg_dump and pg_restore are: --pg-bin, then GARDE_PG_BIN, then the newest server Debian
 * or Ubuntu installed, then /usr/bin (the client package).
 */
export function findPgBin(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const root = "/usr/lib/postgresql";
  const installed = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join(root, v, "bin"))
    : [];
  const candidates = [flag, env.GARDE_PG_BIN, ...installed, "/usr/bin"].filter((d): d is string =>
    Boolean(d),
  );
  const found = candidates.find(
    (dir) => existsSync(join(dir, "pg_dump")) && existsSync(join(dir, "pg_restore")),
  );
  if (!found) {
    throw new InputError(
      "pg-bin",
      "pg_dump and pg_restore not found: install the PostgreSQL client (apt-get install -y postgresql-client-15) or name their directory: --pg-bin DIR (CLI), pg-bin (action), GARDE_PG_BIN",
    );
  }
  return found;
}
