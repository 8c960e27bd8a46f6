import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadRotationConfig } from "../../../../actions/lib/rotation/config.ts";

const work = mkdtempSync(join(tmpdir(), "garde-rotation-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const load = (secret: string) => {
  const path = join(work, "rotation.yml");
  writeFileSync(path, `store: { type: file, path: s.enc }\nsecrets:\n  - ${secret}\n`);
  return () => loadRotationConfig(path);
};

describe("a token's issuer in rotation.yml", () => {
  it("takes an https revocation endpoint and the variable holding its Authorization header", () => {
    const config = load(
      "{ name: api-token, kind: token, token: { revoke: { url: 'https://auth.example.com/oauth/revoke', authorizationEnv: TOKEN_REVOKE_AUTH } } }",
    )();
    expect(config.secrets[0]?.token?.revoke).toEqual({
      url: "https://auth.example.com/oauth/revoke",
      authorizationEnv: "TOKEN_REVOKE_AUTH",
    });
  });

  it.each([
    [
      "{ name: api-token, kind: token, token: { revoke: { url: 'http://auth.example.com/revoke' } } }",
      /secrets\.0\.token\.revoke\.url: must be an https URL such as https:\/\/auth\.example\.com\/oauth\/revoke/,
    ],
    [
      "{ name: api-token, kind: token, token: { revoke: { url: 'https://a.example.com/r', authorizationEnv: auth } } }",
      /token\.revoke\.authorizationEnv: must name an environment variable/,
    ],
    [
      "{ name: db, kind: postgres, postgres: { adminUrlEnv: DB, roles: [a, b] }, token: { revoke: { url: 'https://a.example.com/r' } } }",
      /token: \{ revoke \} is for kind token/,
    ],
  ])("refuses %s, naming the field (exit 2)", (secret, message) => {
    expect(load(secret)).toThrow(message);
  });
});
