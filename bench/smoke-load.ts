/**
 * The smoke-test load phase against a local server, beside autocannon on the same server in the
 * same run: requests per second (goal ≥ 0.9× autocannon) and p95 latency (goal ≤ 1.2×
 * autocannon's). Same request count and concurrency for both, pipelining off in both; runs
 * alternate so both see the same machine. wrk (C, one thread, same connections) is the second
 * peer: the limit of this machine and server.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error autocannon ships no type declarations
import autocannon from "autocannon";
import * as hdr from "hdr-histogram-js";
import { parseSmokeConfig } from "../actions/lib/smoke/config.ts";
import { loadPool, runLoad } from "../actions/lib/smoke/load.ts";

const WRK_REPORT = `done = function(summary, latency, requests)
  io.write(string.format("garde-wrk %d %d %d\\n", summary.requests, summary.duration, latency:percentile(95)))
end
`;

const REQUESTS = 20_000;
const CONCURRENCY = 10;
const ROUNDS = 5;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

async function garde(url: string) {
  const config = parseSmokeConfig(
    `checks: [{ path: / }]\nload: { requests: ${REQUESTS}, concurrency: ${CONCURRENCY} }`,
    "bench",
  );
  const load = config.load;
  if (!load) throw new Error("no load config");
  const pool = loadPool(url, CONCURRENCY, 10_000);
  try {
    const r = await runLoad(url, load, { pool, headers: {}, signal: AbortSignal.timeout(120_000) });
    if (r.errors > 0) throw new Error(`garde load phase saw ${r.errors} errors`);
    return { rps: r.requestsPerSecond, p95: r.latencyMs.p95 };
  } finally {
    await pool.close();
  }
}

async function cannon(url: string) {
  // autocannon reports p90 and p97.5 but no p95: record each response time in an HDR histogram too.
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const instance = autocannon({ url, connections: CONCURRENCY, amount: REQUESTS });
  // Timed to the last response: autocannon resolves on its next 1 s sampling tick, which would
  // cap a 20,000-request run at about 20,000 req/s whatever the server does.
  let lastResponse = 0;
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    histogram.recordValue(Math.max(1, Math.round(responseTime * 1000)));
    lastResponse = performance.now();
  });
  const started = performance.now();
  const result = await instance;
  const seconds = (lastResponse - started) / 1000;
  const p95 = histogram.getValueAtPercentile(95) / 1000;
  histogram.destroy();
  if (result.errors || result.non2xx) throw new Error("autocannon saw errors");
  return { rps: result.requests.total / seconds, p95 };
}

/** wrk for as long as garde's phase takes, same connections, one thread; null when wrk is missing. */
async function wrk(url: string, seconds: number): Promise<{ rps: number; p95: number } | null> {
  const script = join(tmpdir(), "garde-wrk-report.lua");
  writeFileSync(script, WRK_REPORT);
  const stdout = await new Promise<string | null>((resolveRun) => {
    execFile(
      "wrk",
      ["-t1", `-c${CONCURRENCY}`, `-d${Math.max(1, Math.round(seconds))}s`, "-s", script, url],
      (err, out) => resolveRun(err ? null : out),
    );
  });
  const m = stdout && /garde-wrk (\d+) (\d+) (\d+)/.exec(stdout);
  if (!m) return null;
  return { rps: Number(m[1]) / (Number(m[2]) / 1e6), p95: Number(m[3]) / 1000 };
}

export async function benchSmokeLoad(): Promise<void> {
  const server = spawn(process.execPath, [new URL("./target-server.mjs", import.meta.url).pathname], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const [line] = (await once(server.stdout, "data")) as [Buffer];
    const url = line.toString().trim();
    // Warm the server's JIT and both generators' before measuring.
    for (let i = 0; i < 2; i++) {
      await garde(url);
      await cannon(url);
    }
    const ours: { rps: number; p95: number }[] = [];
    const theirs: { rps: number; p95: number }[] = [];
    const wrks: { rps: number; p95: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      theirs.push(await cannon(url));
      ours.push(await garde(url));
      const w = await wrk(url, REQUESTS / (ours.at(-1)?.rps ?? 10_000));
      if (w) wrks.push(w);
    }
    const g = { rps: median(ours.map((r) => r.rps)), p95: median(ours.map((r) => r.p95)) };
    const a = { rps: median(theirs.map((r) => r.rps)), p95: median(theirs.map((r) => r.p95)) };
    console.log(
      `${REQUESTS} requests at concurrency ${CONCURRENCY}, median of ${ROUNDS} rounds, server in its own process`,
    );
    console.log(`garde load phase: ${g.rps.toFixed(0)} req/s, p95 ${g.p95.toFixed(2)} ms`);
    console.log(`autocannon:       ${a.rps.toFixed(0)} req/s, p95 ${a.p95.toFixed(2)} ms`);
    const spread = (v: { rps: number }[]) =>
      `${Math.min(...v.map((r) => r.rps)).toFixed(0)}–${Math.max(...v.map((r) => r.rps)).toFixed(0)}`;
    console.log(`  spread over rounds: garde ${spread(ours)} req/s, autocannon ${spread(theirs)} req/s`);
    console.log(
      `ratio: ${(g.rps / a.rps).toFixed(2)}× autocannon's throughput (goal ≥ 0.9×); p95 ${(g.p95 / a.p95).toFixed(2)}× autocannon's (goal ≤ 1.2×)`,
    );
    if (wrks.length) {
      const w = { rps: median(wrks.map((r) => r.rps)), p95: median(wrks.map((r) => r.p95)) };
      console.log(
        `wrk (C, 1 thread):  ${w.rps.toFixed(0)} req/s, p95 ${w.p95.toFixed(2)} ms (spread ${spread(wrks)})`,
      );
      console.log(`ratio: ${(g.rps / w.rps).toFixed(2)}× wrk's throughput (no goal: the C limit here)`);
    } else {
      console.log(
        "wrk not found: install it for the second peer (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk)",
      );
    }
  } finally {
    server.kill("SIGTERM");
  }
}
