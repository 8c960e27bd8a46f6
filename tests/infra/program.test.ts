import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { setStackConfig } from "./engine-config.ts";

const _root = resolve(import.meta.dirname, "../..");

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
    setStackConfig("prod");
    const program = await import("../../infra/index.ts");
    expect(program.environment).toBe("prod");
    expect(program.alerts.map((a) => a.id)).toContain("availability");
    expect(program.schedules.map((b) => b.what)).toContain("postgres backup");
    await new Promise((r) => setTimeout(r, 50));
    expect(types).toContain("vercel:index/project:Project");
    expect(types).toContain("kubernetes:batch/v1:CronJob");
  });
});
