import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError } from "../../infra/config.ts";
import { readStackFile } from "../../infra/stack-file.ts";

const root = resolve(import.meta.dirname, "../..");
const BIN = join(root, "bin/garde.js");
const work = mkdtempSync(join(tmpdir(), "garde-plan-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function refusal(values: Record<string, unknown>, stack = "prod"): string {
  try {
    parseStackConfig(values, stack);
  } catch (err) {
    expect(err).toBeInstanceOf(StackConfigError);
    return (err as Error).message;
  }
  throw new Error("expected the stack config to be refused");
}

const base = { environment: "prod", app: { name: "shop" } };

describe("stack config validation", () => {
  it.each([
    [
      "an unknown environment",
      { ...base, environment: "qa" },
      /^Stack prod has an invalid config:\n- garde:environment: must be one of dev, staging, prod/,
    ],
    [
      "an unknown key, listing the allowed ones",
      { ...base, alert: {} },
      /- garde: unknown key "alert"; allowed: environment, app, vercel, gcp, secrets, alerts, backups, kubernetes, githubOidc/,
    ],
    [
      "a nested unknown key",
      { ...base, kubernetes: { image: "x", replicas: 1, cpu: "1", memory: "1Gi", replica: 2 } },
      /garde:kubernetes: unknown key "replica"; allowed: image, replicas, cpu, memory/,
    ],
    [
      "a bad phone number",
      {
        ...base,
        gcp: { project: "acme-prod", projectNumber: "1", region: "europe-west1" },
        alerts: { channels: { sms: ["0612"] } },
      },
      /garde:alerts\.channels\.sms\[0\]: must be an E\.164 phone number/,
    ],
    [
      "a bad cron",
      {
        ...base,
        gcp: { project: "acme-prod", projectNumber: "1", region: "europe-west1" },
        backups: {
          location: "EU",
          secondaryLocation: "US",
          retentionDays: 30,
          restoreDrillSchedule: "monthly",
        },
      },
      /garde:backups\.restoreDrillSchedule: must be a cron expression/,
    ],
    [
      "prod backups kept too briefly",
      {
        ...base,
        gcp: { project: "acme-prod", projectNumber: "1", region: "europe-west1" },
        backups: { location: "EU", secondaryLocation: "US", retentionDays: 7 },
      },
      /garde:backups\.retentionDays: prod keeps backups at least 30 days; got 7/,
    ],
    [
      "both backup copies in one place",
      {
        ...base,
        gcp: { project: "acme-prod", projectNumber: "1", region: "europe-west1" },
        backups: { location: "EU", secondaryLocation: "EU", retentionDays: 30 },
      },
      /secondaryLocation: must differ from location/,
    ],
    ["alerts without a GCP project", { ...base, alerts: { channels: {} } }, /garde:alerts: needs garde:gcp/],
    [
      "a Vercel variable with both a value and a secret",
      {
        ...base,
        vercel: {
          project: "shop",
          gitRepository: "a/b",
          env: [{ key: "A", targets: ["production"], value: "x", secret: "A" }],
        },
      },
      /garde:vercel\.env\[0\]: give exactly one of value/,
    ],
  ])("refuses %s, naming the key and the stack", (_name, values, message) => {
    expect(refusal(values as Record<string, unknown>)).toMatch(message);
  });

  it("refuses a secret stored in plain text in a stack file", () => {
    const file = join(work, "Pulumi.leaky.yaml");
    writeFileSync(
      file,
      "config:\n  garde:environment: dev\n  garde:app: { name: shop }\n  garde-secrets:DATABASE_URL: postgres://u:hunter2@db/shop\n",
    );
    expect(() => readStackFile(file)).toThrow(
      /garde-secrets:DATABASE_URL: holds a plain value; store it encrypted: pulumi config set --secret garde-secrets:DATABASE_URL --stack leaky/,
    );
  });
});

describe("garde plan", () => {
  async function garde(args: string[]) {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
        cwd: root,
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it("prints every stack's inventory offline, and JSON with --json", async () => {
    const all = await garde(["plan", "--all"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^stack dev \(.*Pulumi\.dev\.yaml\): dev, \d+ resources/m);
    expect(all.stdout).toMatch(
      /^stack prod .*\n[\s\S]*\[P1\] 5xx responses > 5 in 5 min → sms, slack, email, pagerduty/m,
    );
    expect(all.stdout).toMatch(/postgres: pg_dump CronJob → backup bucket, 30 0 \* \* \*, kept 30 days/);
    expect(all.stdout).toMatch(/database-password: rotates every 30 days/);
    const json = await garde(["plan", "--stack", "staging", "--json"]);
    const [staging] = JSON.parse(json.stdout);
    expect(staging).toMatchObject({ stack: "staging", environment: "staging" });
    expect(staging.byType["gcp:monitoring/alertPolicy:AlertPolicy"]).toBe(staging.alerts.length);
  });

  it("exits 2 on a bad stack config, naming the key, the stack and what is allowed", async () => {
    const prod = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8");
    const file = join(work, "Pulumi.broken.yaml");
    writeFileSync(
      file,
      prod
        .replace("replicas: 3", "replicas: three")
        .replace("garde:environment: prod", "garde:environment: production"),
    );
    const r = await garde(["plan", "--file", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Stack broken has an invalid config:");
    expect(r.stderr).toContain("- garde:environment: must be one of dev, staging, prod");
    expect(r.stderr).toMatch(/- garde:kubernetes\.replicas: Invalid input: expected number/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await garde(["plan", "--stack", "qa"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No stack qa: this project has dev, prod, staging/);
  });

  it("exits 2 when a stack uses a secret it does not define", async () => {
    const prod = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8");
    const file = join(work, "Pulumi.nosecret.yaml");
    writeFileSync(file, prod.replace(/ {2}garde-secrets:SESSION_SECRET:\n {4}secure: .*\n/, ""));
    const r = await garde(["plan", "--file", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /- garde:vercel\.env\[2\]\.secret: set it with pulumi config set --secret garde-secrets:SESSION_SECRET --stack nosecret/,
    );
  });
});
