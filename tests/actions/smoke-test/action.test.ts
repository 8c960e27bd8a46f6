import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer } from "../../fixtures/app-server.ts";
import { execNode, runAction, visible } from "../../processes.ts";

const ENTRY = resolve(import.meta.dirname, "../../../actions/smoke-test/dist/index.js");
const BIN = resolve(import.meta.dirname, "../../../bin/garde.js");
const CANARY = "CANARY-admin-token-5e8f21";

let app: Awaited<ReturnType<typeof startAppServer>>;
let work: string;
beforeAll(async () => {
  app = await startAppServer({ adminToken: CANARY });
  work = mkdtempSync(join(tmpdir(), "garde-smoke-action-"));
});
afterAll(async () => {
  await app.stop();
  rmSync(work, { recursive: true, force: true });
});

const exec = (args: string[], env: Record<string, string>) => execNode(args, env);
const runSmokeAction = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
  runAction(ENTRY, work, inputs, env);

const CONFIG = `retries: { attempts: 1 }
checks:
  - name: home
    path: /
    expect: { bodyContains: Welcome }
  - name: admin
    path: /admin
    headers: { Authorization: "Bearer \${ADMIN_TOKEN}" }
    expect: { status: 200, bodyContains: "admin area" }
  - name: health
    path: /healthz
    expect: { json: [{ pointer: /status, equals: ok }] }
`;

describe("smoke-test action", () => {
  it("passes, outputs passed=true and the report as JSON, with the table in the summary", async () => {
    const r = await runSmokeAction({ url: app.url, "config-inline": CONFIG }, { ADMIN_TOKEN: CANARY });
    expect(r.code).toBe(0);
    expect(r.outputs.passed).toBe("true");
    const report = JSON.parse(r.outputs.report ?? "{}");
    expect(report.checks.map((c: { name: string; passed: boolean }) => [c.name, c.passed])).toEqual([
      ["home", true],
      ["admin", true],
      ["health", true],
    ]);
    expect(r.summary).toContain("garde smoke test: passed");
  });

  it("fails with exit 1, listing the failing check first in the log and the summary", async () => {
    const failing = CONFIG.replace("equals: ok", "equals: degraded");
    const r = await runSmokeAction({ url: app.url, "config-inline": failing }, { ADMIN_TOKEN: CANARY });
    expect(r.code).toBe(1);
    expect(r.outputs.passed).toBe("false");
    const lines = r.stdout
      .split("\n")
      .filter((l) => /home|admin|health/.test(l) && !l.startsWith("::add-mask"));
    expect(lines[0]).toMatch(/^::error::✗.*health/);
    const rows = [...r.summary.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => m[1] ?? "");
    expect(rows[1]).toContain("health");
    expect(rows[1]).toContain("JSON /status is &#34;ok&#34;, expected &#34;degraded&#34;");
  });

  it("never shows a header secret: masked for the runner, absent from report, summary and logs", async () => {
    const wrong = `${CANARY}-rotated`;
    // The server echoes the credential it got in its body and headers; the check fails and says why.
    const echoed = CONFIG.replace(
      'bodyContains: "admin area" }',
      'bodyContains: "admin area", headers: { x-seen-auth: { equals: none } } }',
    );
    const r = await runSmokeAction({ url: app.url, "config-inline": echoed }, { ADMIN_TOKEN: wrong });
    expect(r.code).toBe(1);
    expect(r.outputs.report).toContain('header x-seen-auth is \\"Bearer ***\\"');
    expect(r.stdout).toContain(`::add-mask::${wrong}`);
    const seen = visible(r);
    expect(seen).toMatch(/status 401, expected 200/);
    expect(seen).not.toContain("CANARY");
  });

  it("refuses a missing url and a malformed config with exit 2, naming the input and the field", async () => {
    const noUrl = await runSmokeAction({ "config-inline": CONFIG });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stdout).toMatch(/::error::Input url is required/);
    const file = join(work, "smoke.yml");
    writeFileSync(file, "checks:\n  - path: /\n    expect: { status: 2xy }\n");
    const bad = await runSmokeAction({ url: app.url, config: file });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain(`${file}: checks[0].expect.status: unknown status pattern`);
    expect(bad.stdout).not.toMatch(/\n\s+at /);
    // The job summary, where a reader looks first, says why nothing was checked.
    expect(bad.summary).toContain("garde smoke test: not run");
    expect(bad.summary).toContain("checks[0].expect.status");
    expect(bad.outputs.passed).toBe("false");
  });
});

describe("garde smoke", () => {
  it("prints the table with failures first and exits 1 when a check fails", async () => {
    const file = join(work, "cli-smoke.yml");
    writeFileSync(
      file,
      "retries: { attempts: 1 }\nchecks:\n  - { name: home, path: / }\n  - { name: missing, path: /nope }\n",
    );
    const r = await exec([BIN, "smoke", app.url, "--config", file], {});
    expect(r.code).toBe(1);
    const rows = r.stdout.split("\n");
    expect(rows[1]).toMatch(/^✗\s+missing \(GET \/nope\)\s+404/);
    expect(rows[2]).toMatch(/^✓\s+home/);
    expect(r.stdout).toContain("FAILED: 1/2 checks passed");
  });

  it("prints the report as JSON and exits 0 when everything passes; exits 2 on a bad config", async () => {
    const ok = await exec([BIN, "smoke", app.url, "--json"], {});
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ passed: true, checks: [{ name: "home", status: 200 }] });
    const missing = await exec([BIN, "smoke", app.url, "--config", join(work, "absent.yml")], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/absent\.yml: no such file/);
    const noUrl = await exec([BIN, "smoke"], {});
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/garde smoke needs an http\(s\) URL/);
  });
});
