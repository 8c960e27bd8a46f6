import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../../actions/lib/errors.ts";
import { parsePropertyPath, reviewFromPreview } from "../../../../actions/lib/review/preview.ts";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pulumi-preview");
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as unknown;

describe("reviewFromPreview on real pulumi preview --json output", () => {
  it("renders an update with its detailed diff: the archive shown by hash, the stack from the URNs", () => {
    const review = reviewFromPreview(fixture("update.json"), "update.json");
    expect(review).toMatchObject({ stack: "dev", status: "changed", creates: [], deletes: [], replaces: [] });
    // changeSummary counts 15 sames, the root stack among them: 14 resources unchanged.
    expect(review.unchanged).toBe(14);
    expect(review.updates).toEqual([
      {
        urn: "urn:pulumi:dev::sample::aws:s3/bucket:Bucket$aws:s3:BucketEventSubscription$aws:lambda/function:Function::docsHandler",
        type: "aws:lambda/function:Function",
        diffs: [
          {
            path: "code",
            kind: "update",
            old: "[archive sha256:4fababcf7ea9]",
            new: "[archive sha256:3886dc7db621]",
          },
        ],
      },
    ]);
  });

  it("renders deletes from the old state, and takes the stack name given when asked", () => {
    const review = reviewFromPreview(fixture("deletes.json"), "deletes.json", "shop-dev");
    expect(review.stack).toBe("shop-dev");
    expect(review.deletes.map((d) => d.type)).toEqual([
      "aws:s3/bucketNotification:BucketNotification",
      "aws:lambda/permission:Permission",
    ]);
    expect(review.unchanged).toBe(1);
    expect(review.policies).toEqual([]);
  });

  it("refuses a file that is not a preview, naming it and the fix", () => {
    expect(() => reviewFromPreview({ steps: "nope" }, "prod.json")).toThrow(InputError);
    expect(() => reviewFromPreview({ steps: "nope" }, "prod.json")).toThrow(
      /prod\.json is not pulumi preview --json output/,
    );
    expect(() => reviewFromPreview({ steps: [] }, "empty.json")).toThrow(/STACK=empty\.json/);
  });

  it("parses Pulumi property paths", () => {
    expect(parsePropertyPath('spec.template.containers[0].env["A.B"]')).toEqual([
      "spec",
      "template",
      "containers",
      0,
      "env",
      "A.B",
    ]);
  });
});
