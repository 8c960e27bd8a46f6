/**
 * Backup + restore drill of a PostgreSQL database of ≥ 1 GB (generated here), against the bare
 * `pg_dump -Fc | pg_restore` of the same database in the same run (goal ≤ 1.3×), and garde's
 * peak RSS, read from /proc while it runs, at a small and at the full size (goal: flat, < 200 MB).
 *
 * GARDE_BENCH_BACKUP_MB (default 1024) sets the size, GARDE_BENCH_BACKUP_ROUNDS (default 2) how
 * many alternating rounds of the peer and garde are timed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { libpqEnv } from "../actions/lib/backup/pg-dump.ts";
import { type LocalPostgres, postgresBin, startPostgres } from "../sandbox/postgres.ts";

const root = resolve(import.meta.dirname, "..");
const MB = 1024 * 1024;

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** Customers, products, orders and order lines with foreign keys, grown until the database weighs `bytes`. */
async function generate(url: string, bytes: number): Promise<number> {
  await sql(
    url,
    `CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name text NOT NULL);
     CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, price_cents int NOT NULL);
     CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,
                          placed_at timestamptz NOT NULL, note text NOT NULL);
     CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders, product_id int NOT NULL REFERENCES products,
                               quantity int NOT NULL, PRIMARY KEY (order_id, product_id));
     INSERT INTO products SELECT g, 'product ' || g, 100 + g FROM generate_series(1, 1000) g;
     INSERT INTO customers SELECT g, 'c' || g || '@example.com', md5(g::text) FROM generate_series(1, 200000) g;`,
  );
  const batch = 500_000;
  let next = 1;
  for (;;) {
    const { rows } = await sql(url, "SELECT pg_database_size(current_database())::bigint AS size");
    const size = Number(rows[0].size);
    if (size >= bytes) return size;
    await sql(
      url,
      `INSERT INTO orders SELECT g, 1 + g % 200000, now() - g * interval '1 second', md5(g::text) || md5((g * 7)::text)
         FROM generate_series(${next}, ${next + batch - 1}) g;
       INSERT INTO order_lines SELECT g, 1 + (g + 331 * k) % 1000, k FROM generate_series(${next}, ${next + batch - 1}) g, generate_series(1, 2) k;`,
    );
    next += batch;
  }
}

/** Runs a process to its end; with `watchRss`, polls its peak RSS (VmHWM) from /proc. */
async function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  watchRss = false,
): Promise<{ ms: number; peakRssMb: number }> {
  const started = performance.now();
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  let peak = 0;
  const poll = watchRss
    ? setInterval(() => {
        try {
          const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1];
          if (kb) peak = Math.max(peak, Number(kb));
        } catch {
          // exited between two polls
        }
      }, 50)
    : undefined;
  const code = await new Promise<number | null>((r) => child.once("close", r));
  clearInterval(poll);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`);
  return { ms: performance.now() - started, peakRssMb: peak / 1024 };
}

/** The peer: what a runbook does by hand, piped, with the same binaries. */
async function bare(server: LocalPostgres, source: string): Promise<number> {
  const target = `bare_${Math.random().toString(36).slice(2, 8)}`;
  const started = performance.now();
  await server.createDatabase(target);
  await run(
    "/bin/sh",
    [
      "-c",
      `"${postgresBin}/pg_dump" -Fc --no-password -d ${source} | "${postgresBin}/pg_restore" --no-owner --no-acl --exit-on-error --no-password -d ${target}`,
    ],
    libpqEnv(server.adminUrl),
  );
  const ms = performance.now() - started;
  await sql(server.adminUrl, `DROP DATABASE ${target}`);
  return ms;
}

/** garde backup then garde drill, as the scheduled jobs run them (the CLI, a directory store). */
async function garde(server: LocalPostgres, sourceUrl: string, store: string) {
  const env = {
    DATABASE_URL: sourceUrl,
    SCRATCH_URL: server.adminUrl,
    GARDE_PG_BIN: postgresBin,
  };
  const bin = join(root, "bin/garde.js");
  const backup = await run(
    process.execPath,
    [bin, "backup", "--database-url-env", "DATABASE_URL", "--store", store],
    env,
    true,
  );
  const drill = await run(
    process.execPath,
    [bin, "drill", "--store", store, "--target-url-env", "SCRATCH_URL"],
    env,
    true,
  );
  return { ms: backup.ms + drill.ms, peakRssMb: Math.max(backup.peakRssMb, drill.peakRssMb) };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

export async function benchBackup(): Promise<void> {
  const targetMb = Number(process.env.GARDE_BENCH_BACKUP_MB ?? 1024);
  const rounds = Number(process.env.GARDE_BENCH_BACKUP_ROUNDS ?? 2);
  const server = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), "garde-backup-bench-"));
  try {
    // Memory must not grow with the database: garde at an eighth of the size, then at full size.
    const smallUrl = await server.createDatabase("small");
    const smallBytes = await generate(smallUrl, (targetMb / 8) * MB);
    const small = await garde(server, smallUrl, pathToFileURL(join(dir, "small")).href);
    await sql(server.adminUrl, "DROP DATABASE small");

    const bigUrl = await server.createDatabase("big");
    const generatedAt = performance.now();
    const bytes = await generate(bigUrl, targetMb * MB);
    console.log(
      `database: ${(bytes / MB).toFixed(0)} MiB (pg_database_size), 4 tables with foreign keys, generated in ${((performance.now() - generatedAt) / 1000).toFixed(0)} s`,
    );
    const peer: number[] = [];
    const ours: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < rounds; i++) {
      peer.push(await bare(server, "big"));
      const g = await garde(server, bigUrl, pathToFileURL(join(dir, `big-${i}`)).href);
      ours.push(g.ms);
      rss.push(g.peakRssMb);
      rmSync(join(dir, `big-${i}`), { recursive: true, force: true });
    }
    const ratios = ours.map((ms, i) => ms / (peer[i] as number));
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `pg_dump -Fc | pg_restore: ${peer.map(s).join(", ")}; garde backup + drill (sha256, manifest, row counts, scratch database dropped): ${ours.map(s).join(", ")}`,
    );
    console.log(
      `ratio garde / bare: median ${median(ratios).toFixed(2)}× (${ratios.map((r) => r.toFixed(2)).join(", ")} over ${rounds} rounds; goal ≤ 1.3×)`,
    );
    console.log(
      `garde peak RSS: ${small.peakRssMb.toFixed(0)} MB at ${(smallBytes / MB).toFixed(0)} MiB, ${Math.max(...rss).toFixed(0)} MB at ${(bytes / MB).toFixed(0)} MiB (goal: flat, < 200 MB)`,
    );
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
