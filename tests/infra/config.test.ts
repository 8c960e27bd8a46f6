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
const gcp = { project: "acme-prod", projectNumber: "1", region: "europe-west1" };
const cluster = { name: "shop", location: "europe-west1" };
const k8s = { cluster, image: "r/app:1.2.3", replicas: 2, cpu: "1", memory: "1Gi" };

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
      {
        ...base,
        kubernetes: { cluster, image: "x:1.0.0", replicas: 1, cpu: "1", memory: "1Gi", replica: 2 },
      },
      /garde:kubernetes: unknown key "replica"; allowed: cluster, image, host, replicas, cpu, memory/,
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
      "an alert policy id not in the catalogue (a typo would give zero alerts)",
      { ...base, gcp, kubernetes: k8s, alerts: { policies: ["cpu", "http5xx"], channels: {} } },
      /garde:alerts\.policies\[1\]: must be one of http-5xx, latency-p95, availability, cpu, memory, disk, cert-expiry, failed-logins/,
    ],
    [
      "a threshold for an alert that does not exist",
      { ...base, gcp, kubernetes: k8s, alerts: { thresholds: { "latency-p99": 1000 }, channels: {} } },
      /garde:alerts\.thresholds: unknown alert "latency-p99"; must be one of http-5xx/,
    ],
    [
      "a policy whose metric nothing in the stack emits",
      { ...base, gcp, kubernetes: k8s, alerts: { policies: ["http-5xx", "disk"], channels: {} } },
      /garde:alerts\.policies\[0\]: http-5xx cannot be built in this stack: its metric needs garde:kubernetes\.host[\s\S]*policies\[1\]: disk cannot be built in this stack: its metric needs garde:backups\.cloudSql/,
    ],
    [
      "more Cloud SQL backups than the API keeps",
      {
        ...base,
        gcp,
        backups: { location: "EU", secondaryLocation: "US", retentionDays: 400, cloudSql: {} },
      },
      /garde:backups\.retentionDays: Cloud SQL keeps at most 365 automated backups; got 400/,
    ],
    [
      "uptime paths for a host the stack does not have",
      {
        ...base,
        gcp,
        kubernetes: { ...k8s, host: "api.shop.example.com" },
        alerts: { uptimePaths: { "www.shop.example.com": ["/"] }, channels: {} },
      },
      /garde:alerts\.uptimePaths\.www\.shop\.example\.com: not a public host of this stack; its hosts: api\.shop\.example\.com/,
    ],
    [
      "a custom Cloud SQL tier on ENTERPRISE_PLUS",
      {
        ...base,
        gcp,
        backups: {
          location: "EU",
          secondaryLocation: "US",
          retentionDays: 30,
          cloudSql: { databaseVersion: "POSTGRES_16", edition: "ENTERPRISE_PLUS" },
        },
      },
      /garde:backups\.cloudSql\.tier: db-custom-1-3840 is not an ENTERPRISE_PLUS tier: use db-perf-optimized-N-2/,
    ],
    [
      "an ENTERPRISE_PLUS tier on ENTERPRISE",
      {
        ...base,
        gcp,
        backups: {
          location: "EU",
          secondaryLocation: "US",
          retentionDays: 30,
          cloudSql: { databaseVersion: "POSTGRES_16", tier: "db-perf-optimized-N-2" },
        },
      },
      /garde:backups\.cloudSql\.tier: db-perf-optimized-N-2 runs on ENTERPRISE_PLUS only/,
    ],
    [
      "Firestore backups kept longer than 14 weeks",
      {
        ...base,
        gcp,
        backups: { location: "EU", secondaryLocation: "US", retentionDays: 120, firestore: {} },
      },
      /garde:backups\.retentionDays: Firestore keeps backups at most 14 weeks \(98 days\); got 120/,
    ],
    [
      "a sensitive Vercel variable for the development target",
      {
        ...base,
        vercel: {
          project: "shop",
          gitRepository: "a/b",
          env: [{ key: "A", targets: ["preview", "development"], secret: "A" }],
        },
      },
      /garde:vercel\.env\[0\]\.targets: a secret is a sensitive variable, and Vercel refuses sensitive variables for the development target: use preview/,
    ],
    [
      "a Vercel variable rotated by a secret the stack does not have",
      {
        ...base,
        gcp,
        secrets: { rotationStart: "2026-12-01T00:30:00Z", items: [{ name: "api-token", rotationDays: 30 }] },
        vercel: {
          project: "shop",
          gitRepository: "a/b",
          env: [{ key: "A", targets: ["production"], rotated: "session" }],
        },
      },
      /garde:vercel\.env\[0\]\.rotated: no garde:secrets item session; known: api-token/,
    ],
    [
      "a mutable image tag in prod",
      { ...base, kubernetes: { ...k8s, image: "r/app:stable" }, gcp },
      /garde:kubernetes\.image: prod needs an image that never moves: .* got r\/app:stable/,
    ],
    [
      "a drill with no PostgreSQL dumps to restore",
      {
        ...base,
        gcp,
        backups: {
          location: "EU",
          secondaryLocation: "US",
          retentionDays: 30,
          drill: { targetUrlSecret: "drill/URL" },
        },
      },
      /garde:backups\.drill: the drill restores garde's PostgreSQL dumps: add garde:backups\.postgres/,
    ],
    [
      "encrypted dumps and a drill without the age key",
      {
        ...base,
        gcp,
        kubernetes: {
          cluster: { name: "c", location: "europe-west1" },
          image: "app:1.0.0",
          replicas: 1,
          cpu: "250m",
          memory: "512Mi",
        },
        backups: {
          location: "EU",
          secondaryLocation: "US",
          retentionDays: 30,
          postgres: {
            serverVersion: 15,
            databaseUrlSecret: "s/DATABASE_URL",
            encryptTo: ["age1x2aglz0mm37cwyltpuqx8cc67tuj0ht6h0fj3y6z4sqmspr7ccgs7qu2v5"],
          },
          drill: { targetUrlSecret: "drill/URL" },
        },
      },
      /garde:backups\.drill\.ageIdentitySecret: the dumps are encrypted \(postgres\.encryptTo\)/,
    ],
    [
      "a recipient that is not an age public key",
      {
        ...base,
        gcp,
        backups: {
          location: "EU",
          secondaryLocation: "US",
          retentionDays: 30,
          postgres: {
            serverVersion: 15,
            databaseUrlSecret: "s/DATABASE_URL",
            encryptTo: ["ssh-ed25519 AAAA"],
          },
        },
      },
      /garde:backups\.postgres\.encryptTo\[0\]: must be an age public key \(age1…\)/,
    ],
    [
      "a scheduled dump whose URL is not a Secret Manager secret of the stack",
      {
        ...base,
        gcp,
        backups: {
          location: "EU",
          secondaryLocation: "US",
          retentionDays: 30,
          postgres: { via: "scheduler", serverVersion: 16, databaseUrlSecret: "DATABASE_URL" },
        },
      },
      /garde:backups\.postgres\.databaseUrlSecret: via scheduler, the Cloud Run job reads it from Secret Manager: name a garde:secrets item/,
    ],
    [
      "a GitHub trust by repository name only",
      { ...base, gcp, githubOidc: { repository: "acme/shop" } },
      /garde:githubOidc\.repositoryId: must be the repository's numeric id/,
    ],
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
    expect(all.stdout).toMatch(
      /postgres backup: 30 0 \* \* \* \(Europe\/Paris\), run by kubernetes-cronjob shop-prod-backups-pg-backup\n\s+runs: garde backup --database-url-env DATABASE_URL --store gs:\/\/acme-shop-prod-shop-prod-backups\/postgres --age-recipient age1\w+\n\s+→ gs:\/\/acme-shop-prod-shop-prod-backups\/postgres\/, kept by garde prune: 7 daily, 4 weekly, 2 monthly\n\s+proven by: restore drill, then retention \(0 14 \* \* 1, shop-prod-backups-pg-drill\)/,
    );
    expect(all.stdout).toMatch(
      /restore drill, then retention: 0 14 \* \* 1 \(Europe\/Paris\), run by kubernetes-cronjob shop-prod-backups-pg-drill\n\s+runs: garde drill --store gs:\/\/acme-shop-prod-shop-prod-backups\/postgres --target-url-env DRILL_TARGET_URL --checks \/tmp\/drill-checks\.yml --age-identity-env BACKUP_AGE_KEY && garde prune .* --keep-daily 7 --keep-weekly 4 --keep-monthly 2/,
    );
    // Dev has dumps and no drill target: said, not silently unproven.
    expect(all.stdout).toMatch(
      /! restore drill \(0 14 1 \* \*\) is not scheduled: waiting for garde:backups\.drill\.targetUrlSecret/,
    );
    expect(all.stdout).toMatch(/! SMS channel "On-call SMS 1" delivers nothing until verified once by hand/);
    // No claim of what does not exist.
    expect(all.stdout).not.toMatch(/digest\)|backup workflow|point-in-time recovery \(WAL\).*MYSQL/);
    expect(all.stdout).toMatch(/database-password: rotates every 30 days/);
    const json = await garde(["plan", "--stack", "staging", "--json"]);
    // A secret reads "[secret]": never Pulumi's envelope, never the value.
    expect(json.stdout).not.toContain("4dabf18193072939515e22adb298388d");
    expect(json.stdout).not.toContain("(secret ");
    expect(json.stdout).toContain('"[secret]"');
    const [staging] = JSON.parse(json.stdout);
    const order = staging.resources.map((r: { type: string; name: string }) => `${r.type} ${r.name}`);
    expect(order).toEqual(
      [...order].sort((a: string, b: string) => {
        const [ta, na] = a.split(" ");
        const [tb, nb] = b.split(" ");
        return ta === tb ? String(na).localeCompare(String(nb)) : String(ta).localeCompare(String(tb));
      }),
    );
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
    writeFileSync(file, prod.replace(/ {2}garde-secrets:DATABASE_URL:\n {4}secure: .*\n/, ""));
    const r = await garde(["plan", "--file", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /- garde:vercel\.env\[1\]\.secret: set it with pulumi config set --secret garde-secrets:DATABASE_URL --stack nosecret/,
    );
  });

  /** The prod stack with its DATABASE_URL given as a plain value: Vercel shows it to the whole team. */
  function prodWithPlainDatabaseUrl(stack: string, url: string, extra = ""): string {
    const prod = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8");
    const file = join(work, `Pulumi.${stack}.yaml`);
    const plain = `{ key: DATABASE_URL, targets: [production], value: ${url} }`;
    writeFileSync(
      file,
      prod.replace("{ key: DATABASE_URL, targets: [production], secret: DATABASE_URL }", plain) + extra,
    );
    return file;
  }

  it("exits 1 when a stack breaks a mandatory policy, violations first with how to fix them", async () => {
    const file = prodWithPlainDatabaseUrl("plainsecret", "postgres://canary-plan-99@db/app");
    const r = await garde(["plan", "--file", file]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines[1]).toBe("  policies: 24 checked, 1 mandatory violation, 0 advisory");
    expect(lines[2]).toBe(
      "    ✗ [mandatory] vercel-secret-env-sensitive on shop-prod-web-env-database_url-production",
    );
    expect(lines[3]).toContain("Vercel variable DATABASE_URL looks secret but is not sensitive");
    expect(lines[4]).toMatch(/^ {8}fix: Give the value as a garde-secrets key/);
    expect(r.stdout).not.toContain("canary-plan-99");
    const json = await garde(["plan", "--file", file, "--json"]);
    expect(json.code).toBe(1);
    expect(json.stdout).not.toContain("canary-plan-99");
    expect(JSON.parse(json.stdout)[0].policies.violations).toEqual([
      expect.objectContaining({
        policy: "vercel-secret-env-sensitive",
        enforcement: "mandatory",
        resource: "shop-prod-web-env-database_url-production",
        urn: "urn:pulumi:plainsecret::garde::garde:index:Environment$garde:vercel:WebApp$vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable::shop-prod-web-env-database_url-production",
      }),
    ]);
  });

  it("lowers a policy in one stack only with a reason, and prints that reason", async () => {
    const file = prodWithPlainDatabaseUrl(
      "overridden",
      "postgres://db/app",
      "  garde:policies:\n    overrides:\n      vercel-secret-env-sensitive: { enforcement: advisory, reason: the URL holds no password (IAM auth) }\n",
    );
    const r = await garde(["plan", "--file", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "    ! [advisory] vercel-secret-env-sensitive on shop-prod-web-env-database_url-production",
    );
    expect(r.stdout).toContain("        level set by the stack: the URL holds no password (IAM auth)");
  });

  it("prints one stack's pack config for pulumi preview --policy-pack-config", async () => {
    const dev = await garde(["plan", "--stack", "dev", "--policy-pack-config"]);
    expect(dev.code).toBe(0);
    const config = JSON.parse(dev.stdout);
    expect(config["backup-bucket-retention"]).toEqual({
      enforcementLevel: "advisory",
      minimumRetentionDays: 3,
    });
    expect(config["prod-datastore-restore-drill"]).toEqual({ enforcementLevel: "disabled" });
    const prod = JSON.parse((await garde(["plan", "--stack", "prod", "--policy-pack-config"])).stdout);
    expect(prod["backup-bucket-retention"]).toEqual({
      enforcementLevel: "mandatory",
      minimumRetentionDays: 30,
    });
    const both = await garde(["plan", "--all", "--policy-pack-config"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give --stack NAME or --file FILE");
  });

  it("exits 2 naming the path when --dir is a file, missing or unreadable", async () => {
    const file = await garde(["plan", "--dir", "Pulumi.yaml"]);
    expect(file.code).toBe(2);
    expect(file.stderr).toBe(
      `garde: Pulumi.yaml is a file, not a directory (use --file for one stack): ${join(root, "Pulumi.yaml")}\n`,
    );
    const missing = await garde(["plan", "--dir", "no-such-dir"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`No directory no-such-dir (looked for ${join(root, "no-such-dir")})`);
    const unreadable = await garde(["plan", "--file", join(work, "absent.yaml")]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain(`Cannot read stack absent from ${join(work, "absent.yaml")}: ENOENT`);
    expect(`${file.stderr}${missing.stderr}${unreadable.stderr}`).not.toMatch(/\n\s+at /);
  });
});

describe("garde:policies", () => {
  it("refuses an unknown policy, naming the ones that exist", () => {
    expect(
      refusal({
        ...base,
        policies: { overrides: { "no-latest": { enforcement: "advisory", reason: "we like latest" } } },
      }),
    ).toMatch(
      /- garde:policies\.overrides: unknown policy "no-latest"; must be one of backup-bucket-versioning, /,
    );
  });

  it("wants a reason, and an enforcement or the resources it exempts", () => {
    const message = refusal({
      ...base,
      policies: {
        overrides: {
          "k8s-probes": { enforcement: "disabled" },
          "k8s-resources": { reason: "batch jobs only" },
        },
      },
    });
    expect(message).toContain(
      "- garde:policies.overrides.k8s-probes.reason: say why, for the reviewer who reads the plan",
    );
    expect(message).toContain(
      "- garde:policies.overrides.k8s-resources: give enforcement (advisory, mandatory, disabled), resources (names to exempt), or both",
    );
  });
});

describe("bounds the GCP APIs hold garde to", () => {
  it("gives a week of backups or less GCS's smallest soft-delete window, and caps a long one at 90 days", async () => {
    const { softDeleteDays } = await import("../../infra/components/backup-plan.ts");
    expect([1, 3, 7, 14, 30, 90, 400].map(softDeleteDays)).toEqual([7, 7, 7, 14, 30, 90, 90]);
  });
});

describe("a Vercel variable's scope in each stack", () => {
  it("gives staging's preview values its branch only, split from other targets; dev and prod as written", async () => {
    const { branchScoped } = await import("../../infra/components/environment.ts");
    expect(branchScoped("staging", "develop", ["preview"])).toEqual([
      { targets: ["preview"], gitBranch: "develop" },
    ]);
    expect(branchScoped("staging", "develop", ["preview", "development"])).toEqual([
      { targets: ["preview"], gitBranch: "develop" },
      { targets: ["development"] },
    ]);
    expect(branchScoped("dev", "develop", ["preview", "development"])).toEqual([
      { targets: ["preview", "development"] },
    ]);
    expect(branchScoped("prod", "develop", ["production"])).toEqual([{ targets: ["production"] }]);
  });
});

describe("uptime checks per host", () => {
  it("checks each host on its own paths, or every host on a list", async () => {
    const { uptimeChecksOf } = await import("../../infra/alert-catalogue.ts");
    const stack = (uptimePaths: string[] | Record<string, string[]>) => ({
      environment: "staging" as const,
      vercel: { stagingDomain: "staging.shop.example.com" },
      kubernetes: { host: "api.staging.shop.example.com" },
      alerts: { uptimePaths, thresholds: {} },
    });
    expect(uptimeChecksOf(stack({ "api.staging.shop.example.com": ["/healthz"] }))).toEqual([
      { host: "api.staging.shop.example.com", path: "/healthz" },
    ]);
    expect(uptimeChecksOf(stack(["/healthz"]))).toEqual([
      { host: "staging.shop.example.com", path: "/healthz" },
      { host: "api.staging.shop.example.com", path: "/healthz" },
    ]);
  });
});
