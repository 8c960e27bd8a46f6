import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PostgreSQL 15 as on these machines; else the newest server Debian or Ubuntu installed. */
function serverBin(): string {
  if (process.env.GARDE_PG_BIN) return process.env.GARDE_PG_BIN;
  const root = "/usr/lib/postgresql";
  if (existsSync(join(root, "15/bin/initdb"))) return join(root, "15/bin");
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, "bin/initdb")))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return join(root, newest ?? "15", "bin");
}

const BIN = serverBin();

/** Directory of the PostgreSQL server binaries (initdb, pg_ctl, pg_dump, pg_restore) the tests and the sandbox use. */
export const postgresBin = BIN;

export interface LocalPostgres {
  port: number;
  adminUrl: string;
  url(user: string, password: string, database?: string): string;
  /** Creates a database (from `template`, then running `sql` in it) and returns its admin URL. */
  createDatabase(name: string, opts?: { template?: string; sql?: string }): Promise<string>;
  stop(): void;
}

/** Runs SQL on one connection, closed whatever happens. */
async function runSql(url: string, sql: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real PostgreSQL 15 server in a temp dir on a free port, password auth over TCP, stopped and
 * removed by stop(). As root, the server runs as the `postgres` user (PostgreSQL refuses root).
 */
export async function startPostgres(): Promise<LocalPostgres> {
  if (!existsSync(join(BIN, "initdb"))) {
    throw new Error(
      `PostgreSQL 15 server binaries not found in ${BIN}: install them (apt-get install -y postgresql-15) or set GARDE_PG_BIN`,
    );
  }
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "garde-pg-"));
  const data = join(dir, "data");
  const password = `admin-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, "pw"), password);
  if (root) {
    const { uid, gid } = userIds("postgres");
    chownSync(dir, uid, gid);
    chownSync(join(dir, "pw"), uid, gid);
  }
  chmodSync(dir, 0o700);
  const as = (cmd: string, args: string[]) =>
    (root ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]) as [string, string[]];
  const run = (cmd: string, args: string[]) => {
    const [c, a] = as(cmd, args);
    const r = spawnSync(c, a, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run(join(BIN, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "--pwfile",
    join(dir, "pw"),
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "-E",
    "UTF8",
  ]);
  const port = await freePort();
  run(join(BIN, "pg_ctl"), [
    "-D",
    data,
    "-l",
    join(dir, "log"),
    "-w",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`,
    "start",
  ]);
  const url = (user: string, pw: string, database = "postgres") =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}`;
  return {
    port,
    adminUrl: url("postgres", password),
    url,
    async createDatabase(name, opts = {}) {
      const template = opts.template ? ` TEMPLATE ${opts.template}` : "";
      await runSql(url("postgres", password), `CREATE DATABASE ${name}${template}`);
      const created = url("postgres", password, name);
      if (opts.sql) await runSql(created, opts.sql);
      return created;
    },
    stop() {
      try {
        run(join(BIN, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/**
 * The alternating-users layout: a NOLOGIN group role owning the app's privileges, two login
 * roles (app_blue, app_green) in it that take turns, and one table the app writes to.
 */
export async function createAppRoles(adminUrl: string, table: string): Promise<void> {
  const { default: pg } = await import("pg");
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const t = admin.escapeIdentifier(table);
    const seq = admin.escapeIdentifier(`${table}_id_seq`);
    await admin.query(
      "CREATE ROLE app_rw NOLOGIN; CREATE ROLE app_blue LOGIN IN ROLE app_rw; CREATE ROLE app_green LOGIN IN ROLE app_rw",
    );
    await admin.query(
      `CREATE TABLE ${t} (id bigserial PRIMARY KEY, at timestamptz DEFAULT now()); GRANT SELECT, INSERT ON ${t} TO app_rw; GRANT USAGE ON SEQUENCE ${seq} TO app_rw`,
    );
  } finally {
    await admin.end();
  }
}
