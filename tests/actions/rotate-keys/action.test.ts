import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EncryptedFileStore } from "../../../actions/lib/rotation/file-store.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/sandbox.ts";
import { runAction, visible } from "../../processes.ts";

const ENTRY = resolve(import.meta.dirname, "../../../actions/rotate-keys/dist/index.js");
const STORE_KEY = "5e".repeat(32);

let sandbox: Sandbox;
let work: string;
beforeAll(async () => {
  sandbox = await startSandbox({ githubToken: "ghs_CANARYrotate0c9d" });
  work = mkdtempSync(join(tmpdir(), "garde-rotate-action-"));
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(work, { recursive: true, force: true });
});

const runRotateAction = (inputs: Record<string, string>) =>
  runAction(ENTRY, work, inputs, {
    GITHUB_REPOSITORY: sandbox.repository,
    GITHUB_ACTOR: "release-manager",
    GITHUB_RUN_ID: "9",
    GITHUB_RUN_ATTEMPT: "1",
  });

describe("rotate-keys action (dist)", () => {
  it("rotates a token into a GitHub secret; the value is in no output, summary or log", async () => {
    const config = join(work, "rotation.yml");
    writeFileSync(
      config,
      `store: { type: file, path: ${join(work, "secrets.enc")} }\nsecrets:\n  - { name: deploy-token, kind: token, consumers: [{ githubSecret: { name: DEPLOY_TOKEN } }] }\n`,
    );
    const r = await runRotateAction({
      config,
      secrets: "due",
      reason: "INC-42 leaked token",
      "store-key": STORE_KEY,
      "github-token": sandbox.githubToken,
      "github-api-url": sandbox.github.url,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.outputs.rotated).toBe("deploy-token");
    expect(JSON.parse(r.outputs.report ?? "{}").reports[0]).toMatchObject({
      outcome: "rotated",
      steps: ["created", "set", "tested", "finished"],
    });
    expect(r.summary).toContain("garde rotate keys");
    const value = await new EncryptedFileStore(
      join(work, "secrets.enc"),
      Buffer.from(STORE_KEY, "hex"),
    ).value("deploy-token", "1");
    expect(sandbox.github.openSecret("DEPLOY_TOKEN")).toBe(value);
    for (const secret of [STORE_KEY, sandbox.githubToken])
      expect(r.stdout).toContain(`::add-mask::${secret}`);
    const seen = visible(r);
    for (const secret of [value, STORE_KEY, "CANARY"]) expect(seen).not.toContain(secret);
  });

  it("exits 2 naming the input when the reason is missing or the key is malformed", async () => {
    const r = await runRotateAction({
      config: join(work, "rotation.yml"),
      secrets: "due",
      "store-key": "short",
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/reason: is required/);
    expect(r.stdout).toMatch(/store-key: must be 64 hex characters/);
  });
});
