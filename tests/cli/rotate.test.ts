import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EncryptedFileStore } from "../../actions/lib/rotation/file-store.ts";
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
    expect(noReason.stderr).toMatch(/reason: is required/);
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
