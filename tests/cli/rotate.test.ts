import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EncryptedFileStore } from "../../actions/lib/rotation/file-store.ts";
import { GitHubEmulator } from "../../sandbox/github-emulator.ts";
import { execNode } from "../processes.ts";

const BIN = resolve(import.meta.dirname, "../../bin/garde.js");
const work = mkdtempSync(join(tmpdir(), "garde-rotate-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const KEY = "ab".repeat(32);

const garde = (args: string[], env: Record<string, string> = {}) =>
  execNode([BIN, ...args], { USER: "ops", ...env });

describe("garde rotate", () => {
  const config = join(work, "rotation.yml");
  const storePath = join(work, "secrets.enc");
  writeFileSync(
    config,
    `store: { type: file, path: ${storePath} }\nsecrets:\n  - { name: api-token, kind: token }\n  - { name: webhook-secret, kind: token, rotationDays: 90 }\n`,
  );

  it("rotates into an encrypted file store, prints no value, and plans with --dry-run", async () => {
    const dry = await garde(["rotate", "due", "--config", config, "--reason", "first keys", "--dry-run"], {
      GARDE_STORE_KEY: KEY,
    });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe("api-token: due\nwebhook-secret: due\n");
    const r = await garde(["rotate", "api-token", "--config", config, "--reason", "first keys", "--json"], {
      GARDE_STORE_KEY: KEY,
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.reports[0]).toMatchObject({
      secret: "api-token",
      outcome: "rotated",
      steps: ["created", "set", "tested", "finished"],
    });
    const store = new EncryptedFileStore(storePath, Buffer.from(KEY, "hex"));
    const value = await store.value("api-token", "1");
    expect(value).toMatch(/^grd_/);
    expect(r.stdout + r.stderr).not.toContain(value);
    expect(readFileSync(storePath).toString("latin1")).not.toContain(value);
    expect(store.auditTrail().map((a) => [a.actor, a.reason, a.event])).toContainEqual([
      "ops",
      "first keys",
      "finished",
    ]);
  });

  it("exits 2 on bad input: no reason, an unknown secret, a wrong store key", async () => {
    const noReason = await garde(["rotate", "api-token", "--config", config], { GARDE_STORE_KEY: KEY });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason: is required/);
    const shortReason = await garde(["rotate", "api-token", "--config", config, "--reason", "x"], {
      GARDE_STORE_KEY: KEY,
    });
    expect(shortReason.code).toBe(2);
    expect(shortReason.stderr).toMatch(/--reason: must be at least 3 characters/);
    const unknown = await garde(["rotate", "ssh-key", "--config", config, "--reason", "test"], {
      GARDE_STORE_KEY: KEY,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /No secret ssh-key in the rotation config; known: api-token, webhook-secret/,
    );
    const wrongKey = await garde(["rotate", "api-token", "--config", config, "--reason", "test"], {
      GARDE_STORE_KEY: "cd".repeat(32),
    });
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toMatch(/Cannot decrypt .*secrets\.enc: wrong key, or the file was altered/);
  });
});

describe("garde rotate outside the happy path", () => {
  const gcpConfig = join(work, "gcp-rotation.yml");
  writeFileSync(
    gcpConfig,
    "store: { type: gcp, project: acme-shop-prod, environment: prod }\nsecrets:\n  - name: api-token\n    kind: token\n    consumers: [{ vercel: { key: API_TOKEN } }]\n",
  );
  const noGoogle = {
    GOOGLE_APPLICATION_CREDENTIALS: join(work, "no-such-key.json"),
    METADATA_SERVER_DETECTION: "none",
  };

  it("says how to log in to Google, with exit 2 and no stack trace, when a gcp store has no credentials", async () => {
    const r = await garde(
      ["rotate", "due", "--config", gcpConfig, "--reason", "scheduled", "--vercel-project", "web"],
      { ...noGoogle, VERCEL_TOKEN: "t" },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gcp store needs Google credentials: run gcloud auth application-default login/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("plans a dry run without Vercel or Google access", async () => {
    const r = await garde(
      ["rotate", "due", "--config", gcpConfig, "--reason", "scheduled", "--dry-run"],
      noGoogle,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("api-token: due unknown (store not read)\n");
  });

  it("names what is wrong in a store", async () => {
    const bad = join(work, "bad-store.yml");
    writeFileSync(bad, "store: { type: gcp, project: x }\nsecrets: [{ name: a, kind: token }]\n");
    const r = await garde(["rotate", "due", "--config", bad, "--reason", "scheduled"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/store\.project: must be a GCP project id/);
    expect(r.stderr).toMatch(/store\.environment: is required/);
  });

  it("reaches GitHub at GITHUB_API_URL (and --github-api-url), not api.github.com", async () => {
    const github = new GitHubEmulator({ token: "ghs_rotatetest" });
    await github.start();
    try {
      const configWithStore = (name: string) => {
        const path = join(work, `${name}.yml`);
        writeFileSync(
          path,
          `store: { type: file, path: ${join(work, `${name}.enc`)} }\nsecrets:\n  - name: deploy-key\n    kind: token\n    consumers: [{ githubSecret: { name: DEPLOY_KEY } }]\n`,
        );
        return path;
      };
      const env = { GARDE_STORE_KEY: KEY, GITHUB_TOKEN: "ghs_rotatetest", GITHUB_REPOSITORY: "acme/web" };
      const viaEnv = await garde(
        ["rotate", "deploy-key", "--config", configWithStore("gh-env"), "--reason", "first key"],
        {
          ...env,
          GITHUB_API_URL: github.url,
        },
      );
      expect(viaEnv.code, viaEnv.stderr).toBe(0);

      expect(github.actionsSecrets.has("DEPLOY_KEY")).toBe(true);
      github.actionsSecrets.clear();
      const viaFlag = await garde(
        [
          "rotate",
          "deploy-key",
          "--config",
          configWithStore("gh-flag"),
          "--reason",
          "first key",
          "--github-api-url",
          github.url,
        ],
        env,
      );
      expect(viaFlag.code, viaFlag.stderr).toBe(0);
      expect(github.actionsSecrets.has("DEPLOY_KEY")).toBe(true);
    } finally {
      await github.stop();
    }
  });
});
