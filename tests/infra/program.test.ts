import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(import.meta.dirname, "../..");

describe("infra/index.ts, the program `pulumi up` runs", () => {
  it("reads the prod stack's Pulumi config, decrypted secrets included, and exports its inventory", async () => {
    const types: string[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          types.push(args.type);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => {
          if (args.token === "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount")
            return { email: "project-123456789012@storage-transfer-service.iam.gserviceaccount.com" };
          throw new Error(`unexpected call ${args.token}`);
        },
      },
      "garde",
      "prod",
      false,
    );
    // What the engine hands a program: every key as a string, secure values decrypted.
    const config = (
      parse(readFileSync(join(root, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> }
    ).config;
    const all: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(config)) {
      if (value && typeof value === "object" && "secure" in value) {
        all[key] = `test value for ${key}`;
        secretKeys.push(key);
      } else all[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(all, secretKeys);
    const program = await import("../../infra/index.ts");
    expect(program.environment).toBe("prod");
    expect(program.alerts.map((a) => a.id)).toContain("availability");
    expect(program.schedules.map((b) => b.what)).toContain("postgres backup");
    await new Promise((r) => setTimeout(r, 50));
    expect(types).toContain("vercel:index/project:Project");
    expect(types).toContain("kubernetes:batch/v1:CronJob");
  });
});
