import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../../actions/lib/errors.ts";
import { parseSmokeConfig } from "../../../../actions/lib/smoke/config.ts";
import { smokeJsonSchema } from "../../../../scripts/smoke-schema.ts";

function problems(yaml: string): string {
  try {
    parseSmokeConfig(yaml, "smoke.yml");
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error("expected the config to be refused");
}

describe("smoke config", () => {
  it("fills the seed defaults: 3 attempts, 50 requests at 5, p95 under 2 s, 1 % errors", () => {
    const config = parseSmokeConfig("checks: [{ path: /healthz }]\nload: {}\n", "smoke.yml");
    expect(config.retries).toEqual({ attempts: 3, backoff: 1000 });
    expect(config.checks[0]).toMatchObject({ method: "GET", expect: {} });
    expect(config.load).toMatchObject({
      requests: 50,
      concurrency: 5,
      paths: ["/"],
      thresholds: { errorRate: 0.01, p95: 2000 },
    });
  });

  it("reads durations in ms, s and m", () => {
    const config = parseSmokeConfig(
      "deadline: 1m\ntimeout: 2.5s\nchecks: [{ path: /, maxLatency: 750ms }]",
      "smoke.yml",
    );
    expect([config.deadline, config.timeout, config.checks[0]?.maxLatency]).toEqual([60_000, 2_500, 750]);
  });

  it.each([
    [
      "a wrong type",
      "retries: { attempts: three }\nchecks: [{ path: / }]",
      /smoke\.yml: retries\.attempts: Invalid input: expected number/,
    ],
    [
      "an unknown key, listing the allowed ones",
      "checks:\n  - path: /\n    expct: { status: 200 }",
      /smoke\.yml: checks\[0\]: unknown key "expct"; allowed: name, path, method, headers, body, expect, maxLatency, followRedirects/,
    ],
    [
      "a bad regex",
      "checks: [{ path: /, expect: { bodyMatches: 'a(b' } }]",
      /checks\[0\]\.expect\.bodyMatches: not a valid regular expression/,
    ],
    [
      "an unknown status pattern",
      "checks: [{ path: /, expect: { status: 2xy } }]",
      /checks\[0\]\.expect\.status: unknown status pattern "2xy"; use a code \(200\), a list \(\[200, 301\]\) or a class \(2xx\)/,
    ],
    [
      "a status out of range in a list",
      "checks: [{ path: /, expect: { status: [200, 99] } }]",
      /checks\[0\]\.expect\.status\[1\]: unknown status pattern 99/,
    ],
    ["a path without a slash", "checks: [{ path: healthz }]", /checks\[0\]\.path: must start with "\/"/],
    ["a bad duration", "deadline: 2d\nchecks: [{ path: / }]", /deadline: "2d" is not a duration/],
    [
      "a deadline past the ceiling",
      "deadline: 2h\nchecks: [{ path: / }]",
      /deadline: must be between 100ms and 1h/,
    ],
    ["a zero timeout", "timeout: 0\nchecks: [{ path: / }]", /timeout: must be between 10ms and 5m/],
    [
      "a load that never ends",
      "checks: [{ path: / }]\nload: { requests: 10000000, concurrency: 5000 }",
      /load\.requests: .*100000[\s\S]*load\.concurrency: .*256/,
    ],
    ["no checks at all", "retries: { attempts: 2 }", /checks: is required: list at least one check/],
    [
      "a bad JSON pointer",
      "checks: [{ path: /, expect: { json: [{ pointer: status, equals: 1 }] } }]",
      /json\[0\]\.pointer: must be a JSON pointer/,
    ],
    [
      "broken YAML, with line and column",
      "checks: [\n  - path: /",
      /^The smoke config is not valid YAML:\n- smoke\.yml:\d+:\d+: /,
    ],
  ])("refuses %s, naming the file and the field", (_name, yaml, message) => {
    expect(problems(yaml)).toMatch(message);
  });

  it("has a committed JSON Schema matching the zod schema (run `npm run schema` when this fails)", () => {
    const committed = readFileSync(
      resolve(import.meta.dirname, "../../../../schemas/smoke.schema.json"),
      "utf8",
    );
    expect(committed).toBe(smokeJsonSchema());
  });
});
