/**
 * The smoke-test load phase against a local server, beside autocannon on the same server in the
 * same run: requests per second (goal ≥ 0.8× autocannon) and p95 latency. Same request count and
 * concurrency for both; runs alternate so both see the same machine.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
// @ts-expect-error autocannon ships no type declarations
import autocannon from "autocannon";
import * as hdr from "hdr-histogram-js";
import { parseSmokeConfig } from "../actions/lib/smoke/config.ts";
import { loadPool, runLoad } from "../actions/lib/smoke/load.ts";

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
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    histogram.recordValue(Math.max(1, Math.round(responseTime * 1000)));
  });
  const started = performance.now();
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  const p95 = histogram.getValueAtPercentile(95) / 1000;
  histogram.destroy();
  if (result.errors || result.non2xx) throw new Error("autocannon saw errors");
  return { rps: result.requests.total / seconds, p95 };
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
    for (let i = 0; i < ROUNDS; i++) {
      theirs.push(await cannon(url));
      ours.push(await garde(url));
    }
    const g = { rps: median(ours.map((r) => r.rps)), p95: median(ours.map((r) => r.p95)) };
    const a = { rps: median(theirs.map((r) => r.rps)), p95: median(theirs.map((r) => r.p95)) };
    console.log(
      `${REQUESTS} requests at concurrency ${CONCURRENCY}, median of ${ROUNDS} rounds, server in its own process`,
    );
    console.log(`garde load phase: ${g.rps.toFixed(0)} req/s, p95 ${g.p95.toFixed(2)} ms`);
    console.log(`autocannon:       ${a.rps.toFixed(0)} req/s, p95 ${a.p95.toFixed(2)} ms`);
    console.log(`ratio: ${(g.rps / a.rps).toFixed(2)}× autocannon's throughput (goal ≥ 0.8×)`);
  } finally {
    server.kill("SIGTERM");
  }
}
