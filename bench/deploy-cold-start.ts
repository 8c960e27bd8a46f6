/**
 * Cold start of the deploy action: from spawning `node actions/deploy/dist/index.js` (with the
 * INPUT_* variables a runner sets) to its first HTTP request reaching a local server, beside
 * `node -e 0` spawned to exit in the same run. Goal: ≤ 1.5× node -e 0.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const ENTRY = join(root, "actions/deploy/dist/index.js");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A smoke config as a project would commit it: the action reads and validates it before any request. */
const SMOKE_CONFIG = `checks:
  - path: /
    expect: { status: [200, 301, 302] }
  - path: /api/health
    expect: { status: 200, json: [{ pointer: /status, equals: ok }] }
  - path: /login
    expect: { status: 200, bodyContains: "Se connecter" }
retries: { attempts: 3, backoff: 2s }
`;

async function timeToFirstRequest(smokeConfig?: string): Promise<number> {
  return new Promise((resolveTime, reject) => {
    let started = 0;
    let measured = 0;
    const server = createServer((_req, res) => {
      measured ||= performance.now() - started;
      // 401 is final: the action stops at once instead of retrying.
      res.writeHead(401, { "content-type": "application/json" });
      res.end('{"message":"Bad credentials"}');
    });
    server.listen(0, "127.0.0.1", () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      started = performance.now();
      const child = spawn(process.execPath, [ENTRY], {
        stdio: "ignore",
        env: {
          PATH: process.env.PATH,
          GITHUB_EVENT_NAME: "push",
          GITHUB_REF: "refs/heads/develop",
          GITHUB_SHA: "a".repeat(40),
          GITHUB_REPOSITORY: "bench/app",
          "INPUT_VERCEL-TOKEN": "bench",
          "INPUT_VERCEL-PROJECT": "app",
          "INPUT_GITHUB-TOKEN": "bench",
          "INPUT_GITHUB-API-URL": url,
          "INPUT_VERCEL-API-URL": url,
          ...(smokeConfig ? { "INPUT_SMOKE-CONFIG": smokeConfig } : {}),
        },
      });
      child.on("error", reject);
      child.on("exit", () => {
        server.close();
        if (measured) resolveTime(measured);
        else reject(new Error("the action exited without making a request"));
      });
    });
  });
}

async function timeNodeNoop(): Promise<number> {
  return new Promise((resolveTime, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", () => resolveTime(performance.now() - started));
  });
}

/** Bytes node reads before the first line runs: the entry and the chunks it imports statically. */
function startupBytes(entry: string): number {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, "utf8").matchAll(
      /(?:^|[;}\s])import\s*(?:[^"'()]*?from\s*)?["'](\.[^"']+)["']/g,
    )) {
      visit(join(dirname(file), spec as string));
    }
  };
  visit(entry);
  return [...seen].reduce((sum, f) => sum + statSync(f).size, 0);
}

function dirBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .reduce((sum, d) => sum + statSync(join(d.parentPath, d.name)).size, 0);
}

export async function benchDeployColdStart(runs = 15): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "garde-cold-start-"));
  const smokeConfig = join(dir, "smoke.yml");
  writeFileSync(smokeConfig, SMOKE_CONFIG);
  const action: number[] = [];
  const withConfig: number[] = [];
  const noop: number[] = [];
  await timeToFirstRequest(); // warm the file cache, as a runner's second step would be
  try {
    for (let i = 0; i < runs; i++) {
      // Interleaved, so all three see the same machine load.
      noop.push(await timeNodeNoop());
      action.push(await timeToFirstRequest());
      withConfig.push(await timeToFirstRequest(smokeConfig));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const a = median(action);
  const c = median(withConfig);
  const n = median(noop);
  const dist = join(root, "actions/deploy/dist");
  console.log(`deploy action cold start → first HTTP request, median of ${runs}:`);
  console.log(
    `  default smoke check:      ${a.toFixed(0)} ms, ${(a / n).toFixed(2)}× node -e 0 (goal ≤ 1.5×)`,
  );
  console.log(
    `  with a smoke config file: ${c.toFixed(0)} ms, ${(c / n).toFixed(2)}× node -e 0 (goal ≤ 1.5×)`,
  );
  console.log(`node -e 0, median of ${runs}: ${n.toFixed(0)} ms`);
  console.log(
    `bundle: ${(startupBytes(ENTRY) / 1024).toFixed(0)} KiB loaded at start-up, ${(dirBytes(dist) / 1024).toFixed(0)} KiB in all (the Vercel SDK and the smoke runner load on first use)`,
  );
}
