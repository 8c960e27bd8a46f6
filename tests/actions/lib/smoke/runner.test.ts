import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../../actions/lib/errors.ts";
import { systemClock } from "../../../../actions/lib/reporter.ts";
import { parseSmokeConfig } from "../../../../actions/lib/smoke/config.ts";
import { smokeTableRows } from "../../../../actions/lib/smoke/report.ts";
import { runSmoke } from "../../../../actions/lib/smoke/runner.ts";
import { closedPortUrl, startAppServer } from "../../../fixtures/app-server.ts";
import { recordingReporter } from "../../../helpers.ts";

let app: Awaited<ReturnType<typeof startAppServer>>;
beforeAll(async () => {
  app = await startAppServer({ slowMs: 250, adminToken: "s3cret-admin" });
});
afterAll(() => app.stop());

/** A smoke config from its YAML, run against the test server with the real clock and no env. */
const runConfig = (yaml: string) =>
  runSmoke(app.url, parseSmokeConfig(yaml, "test.yml"), {
    clock: systemClock,
    reporter: recordingReporter(),
    env: {},
  });

/** One check, one attempt unless said otherwise. */
async function check(yamlCheck: string, extra = "retries: { attempts: 1 }", url = app.url) {
  const config = parseSmokeConfig(
    `${extra}\nchecks:\n  - ${yamlCheck.trim().replace(/\n/g, "\n    ")}\n`,
    "test.yml",
  );
  const report = await runSmoke(url, config, { clock: systemClock, reporter: recordingReporter(), env: {} });
  return report.checks[0] as (typeof report.checks)[number];
}

describe("smoke assertions against a real server", () => {
  const cases: [string, string, boolean, RegExp | null][] = [
    ["status code", "path: /\nexpect: { status: 200 }", true, null],
    ["status code, failing", "path: /\nexpect: { status: 201 }", false, /status 200, expected 201/],
    ["status list", "path: /old\nexpect: { status: [301, 302] }", true, null],
    ["status class", "path: /error\nexpect: { status: 5xx }", true, null],
    ["status class, failing", "path: /nope\nexpect: { status: 2xx }", false, /status 404, expected 2xx/],
    ["default status is 2xx or 3xx", "path: /error", false, /status 500, expected \[2xx,3xx\]/],
    ["body contains", "path: /\nexpect: { bodyContains: Welcome }", true, null],
    [
      "body contains, failing",
      "path: /\nexpect: { bodyContains: [Welcome, Checkout] }",
      false,
      /body does not contain "Checkout"/,
    ],
    ["body regex", "path: /\nexpect: { bodyMatches: 'v\\d+\\.\\d+\\.\\d+' }", true, null],
    [
      "body regex, failing",
      "path: /\nexpect: { bodyMatches: '^<html' }",
      false,
      /body does not match \/\^<html\//,
    ],
    [
      "JSON pointer",
      "path: /healthz\nexpect: { json: [{ pointer: /db/connected, equals: true }, { pointer: /roles/0, equals: admin }] }",
      true,
      null,
    ],
    [
      "JSON pointer, failing",
      "path: /healthz\nexpect: { json: [{ pointer: /status, equals: degraded }] }",
      false,
      /JSON \/status is "ok", expected "degraded"/,
    ],
    [
      "JSON pointer, missing",
      "path: /healthz\nexpect: { json: [{ pointer: /version, equals: 1 }] }",
      false,
      /JSON \/version is missing/,
    ],
    [
      "JSON on a non-JSON body",
      "path: /\nexpect: { json: [{ pointer: /a, equals: 1 }] }",
      false,
      /body is not JSON/,
    ],
    ["header equals", "path: /healthz\nexpect: { headers: { content-type: application/json } }", true, null],
    ["header contains", "path: /\nexpect: { headers: { content-type: { contains: html } } }", true, null],
    [
      "header contains, failing",
      "path: /healthz\nexpect: { headers: { content-type: { contains: html } } }",
      false,
      /header content-type does not contain "html"/,
    ],
    [
      "header regex",
      "path: /\nexpect: { headers: { Cache-Control: { matches: 'no-(store|cache)' } } }",
      true,
      null,
    ],
    [
      "header present, failing",
      "path: /\nexpect: { headers: { strict-transport-security: { present: true } } }",
      false,
      /header strict-transport-security is missing/,
    ],
    [
      "header absent, failing",
      "path: /\nexpect: { headers: { cache-control: { present: false } } }",
      false,
      /header cache-control is present, expected absent/,
    ],
  ];
  it.each(cases)("%s", async (_name, yaml, passed, failure) => {
    const result = await check(yaml);
    expect(result.passed).toBe(passed);
    if (failure) expect(result.failures.join("; ")).toMatch(failure);
    else expect(result.failures).toEqual([]);
  });

  it("fails a response slower than its max latency, saying by how much", async () => {
    const result = await check("path: /slow\nmaxLatency: 100ms");
    expect(result.passed).toBe(false);
    expect(result.failures[0]).toMatch(/^took \d+ ms, over the 100 ms limit$/);
    expect(result.latencyMs).toBeGreaterThan(100);
    expect((await check("path: /slow\nmaxLatency: 5s")).passed).toBe(true);
  });

  it("reports a refused connection in plain words", async () => {
    const result = await check("path: /", "retries: { attempts: 2, backoff: 10ms }", await closedPortUrl());
    expect(result).toMatchObject({
      passed: false,
      status: null,
      attempts: 2,
      failures: ["connection refused (ECONNREFUSED)"],
    });
  });

  it("follows a redirect only when asked", async () => {
    expect(await check("path: /old\nexpect: { status: 200 }")).toMatchObject({ passed: false, status: 301 });
    expect(
      await check("path: /old\nfollowRedirects: true\nexpect: { status: 200, bodyContains: Welcome }"),
    ).toMatchObject({
      passed: true,
      status: 200,
    });
    const loop = await check("path: /loop\nfollowRedirects: true");
    expect(loop.passed).toBe(false);
    expect(loop.failures[0]).toMatch(/redirect/i);
  });

  it("waits out a cold start: fails, then passes within the retries", async () => {
    const warming = await startAppServer({ warmUpFailures: 2 });
    try {
      const result = await check(
        "path: /warm\nexpect: { bodyContains: ready }",
        "retries: { attempts: 4, backoff: 20ms }",
        warming.url,
      );
      expect(result).toMatchObject({ passed: true, attempts: 3, status: 200 });
      expect(warming.hits.get("/warm")).toBe(3);
    } finally {
      await warming.stop();
    }
  });

  it("gives up when the retries run out on a server still warming", async () => {
    const warming = await startAppServer({ warmUpFailures: 5 });
    try {
      const result = await check("path: /warm", "retries: { attempts: 2, backoff: 10ms }", warming.url);
      expect(result).toMatchObject({ passed: false, attempts: 2, status: 503 });
    } finally {
      await warming.stop();
    }
  });

  it("stops every check at the overall deadline", async () => {
    const started = performance.now();
    const report = await runConfig(
      "deadline: 300ms\ntimeout: 10s\nretries: { attempts: 5, backoff: 50ms }\nchecks:\n  - path: /hang\n  - path: /\n",
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(report.passed).toBe(false);
    expect(report.checks[0]?.failures).toContain("stopped: the run's deadline passed");
    expect(report.checks[1]?.passed).toBe(true);
  });

  it("refuses a header that references an unset variable, before sending anything", async () => {
    const before = app.hits.get("/admin") ?? 0;
    const err = await runConfig(
      "checks:\n  - path: /admin\n    headers: { Authorization: 'Bearer ${ADMIN_TOKEN}' }\n",
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /checks\[0\]\.headers\.Authorization uses \$\{ADMIN_TOKEN\}, which is not set/,
    );
    expect(app.hits.get("/admin") ?? 0).toBe(before);
  });
});

describe("load phase", () => {
  it("meets its thresholds on a healthy path, with percentiles from the histogram", async () => {
    const report = await runConfig(
      "checks: [{ path: / }]\nload: { requests: 200, concurrency: 8, paths: [/, /healthz] }\n",
    );
    const load = report.load;
    expect(load).toMatchObject({ requests: 200, completed: 200, concurrency: 8, errors: 0, passed: true });
    expect(load?.latencyMs.p50).toBeGreaterThan(0);
    expect(load?.latencyMs.p50).toBeLessThanOrEqual(load?.latencyMs.p95 ?? 0);
    expect(load?.latencyMs.p95).toBeLessThanOrEqual(load?.latencyMs.p99 ?? 0);
    expect(load?.thresholds.map((t) => t.name)).toEqual(["errorRate", "p95"]);
    expect(app.hits.get("/healthz")).toBeGreaterThanOrEqual(100);
  });

  it("misses the latency threshold on a slow path", async () => {
    const report = await runConfig(
      "checks: [{ path: / }]\nload: { requests: 10, concurrency: 5, paths: [/slow], thresholds: { p95: 100ms } }\n",
    );
    expect(report.passed).toBe(false);
    const p95 = report.load?.thresholds.find((t) => t.name === "p95");
    expect(p95).toMatchObject({ limit: 100, passed: false });
    expect(p95?.actual).toBeGreaterThan(200);
  });

  it("stops the load phase at the run's deadline, aborting the requests in flight", async () => {
    // Without the abort, the 4 hanging requests would hold the run for the 30 s request timeout.
    const report = await runConfig(
      "deadline: 500ms\ntimeout: 30s\nchecks: [{ path: / }]\nload: { requests: 100, concurrency: 4, paths: [/hang] }\n",
    );
    expect(report.load).toMatchObject({
      completed: 0,
      errors: 100,
      passed: false,
      note: "stopped early: the run's deadline passed",
    });
  }, 10_000);

  it("judges p95 by the slowest 5 %, not the median", async () => {
    // One request in ten is slow (250 ms): the median is fast, the 95th percentile is not.
    const paths = `[${[..."/////////"].join(", ")}, /slow]`;
    const report = await runConfig(
      `checks: [{ path: / }]\nload: { requests: 20, concurrency: 2, paths: ${paths}, thresholds: { p95: 150ms } }\n`,
    );
    expect(report.load?.latencyMs.p50).toBeLessThan(150);
    const p95 = report.load?.thresholds.find((t) => t.name === "p95");
    expect(p95).toMatchObject({ limit: 150, passed: false });
    expect(p95?.actual).toBeGreaterThan(200);
  });

  it("passes an error rate equal to its threshold (the largest share allowed) and fails one above", async () => {
    // Two of twenty requests fail: 10 %.
    const paths = `[${[..."/////////"].join(", ")}, /error]`;
    const at = await runConfig(
      `checks: [{ path: / }]\nload: { requests: 20, concurrency: 2, paths: ${paths}, thresholds: { errorRate: 0.1 } }\n`,
    );
    expect(at.load).toMatchObject({ errors: 2, errorRate: 0.1, passed: true });
    const above = await runConfig(
      `checks: [{ path: / }]\nload: { requests: 20, concurrency: 2, paths: ${paths}, thresholds: { errorRate: 0.09 } }\n`,
    );
    expect(above.load).toMatchObject({ errors: 2, passed: false });
  });

  it("misses the error-rate threshold when requests fail", async () => {
    const report = await runConfig(
      "checks: [{ path: / }]\nload: { requests: 20, concurrency: 4, paths: [/, /error], thresholds: { errorRate: 0.1 } }\n",
    );
    expect(report.load).toMatchObject({ errors: 10, errorRate: 0.5, passed: false });
  });

  it("does not load a target whose checks failed", async () => {
    const before = app.hits.get("/") ?? 0;
    const report = await runConfig(
      "retries: { attempts: 1 }\nchecks: [{ path: /error }]\nload: { requests: 50 }\n",
    );
    expect(report.load?.note).toBe("not run: a check failed");
    expect(app.hits.get("/") ?? 0).toBe(before);
    // The table says the phase has no figures, rather than zeros that read as measured.
    const loadRow = smokeTableRows(report).find((row) => row[1]?.startsWith("load "));
    expect(loadRow).toEqual(["✗", "load 50 requests at 5", "—", "—", "—", "not run: a check failed"]);
  });
});
