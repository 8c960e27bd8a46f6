import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EncryptedFileStore } from "../../actions/lib/rotation/file-store.ts";
import { type Sandbox, startSandbox } from "../../sandbox/sandbox.ts";
import { shipToProduction } from "../../sandbox/ship.ts";
import { fastClock, fastRetry, recordingReporter } from "../helpers.ts";

const BIN = resolve(import.meta.dirname, "../../bin/garde.js");
const KEY = "cd".repeat(32);

let sandbox: Sandbox;
let work: string;
beforeAll(async () => {
  sandbox = await startSandbox({ buildMs: 40, promoteMs: 20 });
  work = mkdtempSync(join(tmpdir(), "garde-rotate-kill-"));
  await shipToProduction(sandbox.inputs({ sha: sandbox.app.git("rev-parse", "main") }), {
    reporter: recordingReporter(),
    clock: fastClock(),
    retry: fastRetry,
    env: {},
  });
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `garde rotate api-token` as a user runs it, against the emulators. `killWhen` is checked every
 * few milliseconds while it runs: when it answers true, the process is SIGKILLed from outside.
 */
function garde(
  env: Record<string, string> = {},
  killWhen?: () => boolean,
  storePath = join(work, "secrets.enc"),
): Promise<Run> {
  const config = join(work, "rotation.yml");
  writeFileSync(
    config,
    `store: { type: file, path: ${storePath} }\ngraceHours: 0\nsecrets:\n  - name: api-token\n    kind: token\n    consumers:\n      - vercel: { key: API_TOKEN, previousKey: API_TOKEN_PREVIOUS }\n`,
  );
  const smoke = join(work, "smoke.yml");
  writeFileSync(
    smoke,
    "retries: { attempts: 1 }\nchecks:\n  - { path: /api/key-check, headers: { Authorization: 'Bearer ${API_TOKEN}' }, expect: { status: 200 } }\n",
  );
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      BIN,
      "rotate",
      "api-token",
      "--config",
      config,
      "--reason",
      "kill test",
      "--smoke-config",
      smoke,
      "--vercel-project",
      sandbox.project,
      "--vercel-api-url",
      sandbox.vercel.url,
      "--github-api-url",
      sandbox.github.url,
    ],
    {
      env: {
        PATH: process.env.PATH ?? "",
        USER: "ops",
        GARDE_STORE_KEY: KEY,
        VERCEL_TOKEN: sandbox.vercelToken,
        GITHUB_TOKEN: sandbox.githubToken,
        GITHUB_REPOSITORY: sandbox.repository,
        ...env,
      },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c;
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c;
  });
  const watch = killWhen
    ? setInterval(() => {
        if (killWhen()) child.kill("SIGKILL");
      }, 2)
    : undefined;
  const limit = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((done) =>
    child.on("close", (code, signal) => {
      clearInterval(watch);
      clearTimeout(limit);
      done({ code, signal, stdout, stderr, ms: performance.now() - started });
    }),
  );
}

const store = () => new EncryptedFileStore(join(work, "secrets.enc"), Buffer.from(KEY, "hex"));
const env = () => sandbox.vercel.envOf(sandbox.project);
const live = () => [...sandbox.vercel.projects.values()][0]?.productionDeploymentId as string;

async function keyCheck(token: string): Promise<number> {
  const host = sandbox.vercel.deployments.get(live())?.host;
  const r = await fetch(`http://${host}/api/key-check`, { headers: { authorization: `Bearer ${token}` } });
  return r.status;
}

/** What a user would check after the rerun: one run's worth of state, nothing held, production on the current token. */
async function expectConverged(revoked: string | null) {
  const s = store();
  const snap = await s.snapshot("api-token");
  expect(snap.state.lock).toBeNull();
  expect(snap.pending).toBeNull();
  expect(["finished", "idle"]).toContain(snap.state.step);
  const current = await s.value("api-token", snap.current as string);
  expect(env().API_TOKEN).toBe(current);
  expect(await keyCheck(current)).toBe(200);
  if (revoked) expect(await keyCheck(revoked)).toBe(401);
  expect(readdirSync(work).filter((f) => /secrets\.enc\..*(lock|tmp|stale)/.test(f))).toEqual([]);
  return { snap, current };
}

/** Rotation steps a run records, and the rerun that must converge at once after a kill at each. */
describe("garde rotate killed with SIGKILL at every step, then run again at once", () => {
  const timings: string[] = [];
  afterAll(() => {
    if (process.env.GARDE_PRINT_TIMINGS) console.log(timings.join("\n"));
  });

  it.each(["created", "set", "tested", "finished"])(
    "killed right after recording %s: the rerun takes over the dead run's lease and converges",
    async (step) => {
      const before = await store()
        .snapshot("api-token")
        .catch(() => null);
      const old = before?.current ? await store().value("api-token", before.current) : null;
      const killed = await garde({ GARDE_TEST_KILL_AFTER_STEP: step });
      expect(killed.signal).toBe("SIGKILL");
      // What SIGKILL leaves: the step recorded, the secret still held by the dead run.
      const held = (await store().snapshot("api-token")).state;
      expect(held.step).toBe(step);
      expect(held.lock).not.toBeNull();

      const rerun = await garde();
      timings.push(`after ${step}: rerun ${Math.round(rerun.ms)} ms`);
      expect(rerun.code, rerun.stderr + rerun.stdout).toBe(0);
      expect(rerun.stderr).toMatch(
        /taking over from run cli-\d+-\d+ at step \w+: its process \d+ on .* is gone/,
      );
      const { snap } = await expectConverged(step === "finished" ? old : null);
      if (step === "finished") expect(snap.state.step).toBe("idle");
      else {
        // Grace 0: the next run revokes the previous token, ready for the next kill.
        const revoke = await garde();
        expect(revoke.code, revoke.stderr).toBe(0);
        await expectConverged(old);
      }
    },
    90_000,
  );

  it("killed mid-revoke, after the previous variable left Vercel and before the rebuild was promoted: the rerun finishes the revocation", async () => {
    const rotated = await garde();
    expect(rotated.code, rotated.stderr).toBe(0);
    const s = store();
    const snap = await s.snapshot("api-token");
    const previous = await s.value("api-token", snap.previous as string);
    expect(env().API_TOKEN_PREVIOUS).toBe(previous);
    expect(await keyCheck(previous)).toBe(200);

    const killed = await garde(
      {},
      () => env().API_TOKEN !== undefined && env().API_TOKEN_PREVIOUS === undefined,
    );
    expect(killed.signal).toBe("SIGKILL");
    expect((await store().snapshot("api-token")).state.step).toBe("revoking");
    expect(await keyCheck(previous)).toBe(200); // production still runs the build that holds it

    const rerun = await garde();
    timings.push(`mid-revoke: rerun ${Math.round(rerun.ms)} ms`);
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = await expectConverged(previous);
    expect(after.snap.state.step).toBe("idle");
    expect(env()).not.toHaveProperty("API_TOKEN_PREVIOUS");
    await expect(store().value("api-token", snap.previous as string)).rejects.toThrow(/disabled/);
  }, 90_000);
});
