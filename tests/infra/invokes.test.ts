import { resolve } from "node:path";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { setStackConfig } from "./engine-config.ts";

const _root = resolve(import.meta.dirname, "../..");

/**
 * Invokes are not resources: the environment's transformation that makes every GCP resource wait
 * for its API cannot reach them, so each invoke that needs an API names its Service. On a new
 * project the lookup would otherwise run before the API is on, and the first apply would 403.
 */
describe("invokes that need an API", () => {
  it("the Storage Transfer service-agent lookup waits for storagetransfer.googleapis.com", async () => {
    const lookups: pulumi.InvokeOutputOptions[] = [];
    const real = gcp.storage.getTransferProjectServiceAccountOutput;
    const spy = vi
      .spyOn(gcp.storage, "getTransferProjectServiceAccountOutput")
      .mockImplementation((args, opts) => {
        lookups.push(opts ?? {});
        return real(args, opts);
      });
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        call: () => ({ email: "project-123456789012@storage-transfer-service.iam.gserviceaccount.com" }),
      },
      "garde",
      "prod",
      false,
    );
    setStackConfig("prod");
    try {
      await import("../../infra/index.ts");
      expect(lookups).toHaveLength(1);
      const services = [lookups[0]?.dependsOn].flat() as pulumi.Resource[];
      const names = await Promise.all(
        services.map((s) => new Promise((r) => (s as gcp.projects.Service).service.apply(r))),
      );
      expect(names).toEqual(["storagetransfer.googleapis.com"]);
    } finally {
      spy.mockRestore();
    }
  });
});
