import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EncryptedFileStore } from "../../../actions/lib/rotation/file-store.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/sandbox.ts";

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

async function runAction(inputs: Record<string, string>) {
  const id = Math.random().toString(36).slice(2);
  const files = {
    output: join(work, `o-${id}`),
    summary: join(work, `s-${id}`),
    event: join(work, `e-${id}`),
  };
  for (const f of Object.values(files)) writeFileSync(f, f === files.event ? "{}" : "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: sandbox.repository,
    GITHUB_ACTOR: "release-manager",
    GITHUB_RUN_ID: "9",
    GITHUB_RUN_ATTEMPT: "1",
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  let r = { code: 0, stdout: "", stderr: "" };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [ENTRY], { env, timeout: 60_000 });
    r = { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    r = { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
  const outputs: Record<string, string> = {};
  for (const m of readFileSync(files.output, "utf8").matchAll(/^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm))
    outputs[m[1] as string] = m[3] as string;
  return { ...r, outputs, summary: readFileSync(files.summary, "utf8") };
}

describe("rotate-keys action (dist)", () => {
  it("rotates a token into a GitHub secret; the value is in no output, summary or log", async () => {
    const config = join(work, "rotation.yml");
    writeFileSync(
      config,
      `store: { type: file, path: ${join(work, "secrets.enc")} }\nsecrets:\n  - { name: deploy-token, kind: token, consumers: [{ githubSecret: { name: DEPLOY_TOKEN } }] }\n`,
    );
    const r = await runAction({
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
    const visible = [
      r.stdout.replace(/^::add-mask::.*$/gm, ""),
      r.stderr,
      JSON.stringify(r.outputs),
      r.summary,
    ].join("\n");
    for (const secret of [value, STORE_KEY, "CANARY"]) expect(visible).not.toContain(secret);
  });

  it("exits 2 naming the input when the reason is missing or the key is malformed", async () => {
    const r = await runAction({ config: join(work, "rotation.yml"), secrets: "due", "store-key": "short" });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/reason: is required/);
    expect(r.stdout).toMatch(/store-key: must be 64 hex characters/);
  });
});
