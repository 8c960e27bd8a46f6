import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { plainFirst, type SdkSerializers } from "../../../infra/offline-sdk/plain-serialization.ts";

const sdk = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"));
const rpc = sdk("./runtime/rpc.js") as SdkSerializers;
const ours = plainFirst(rpc);

beforeAll(async () => {
  // The SDK serializes secrets by what the monitor supports: the mock monitor's, as in a plan.
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: () => ({}) });
});

/** Plain values as a program writes inputs: nested lists and objects, with undefined and functions. */
const plainValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constant(() => 1),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** A resource's inputs: some plain, some Outputs, secrets or promises of plain values. */
const inputs = fc.dictionary(
  fc.constantFrom("id", "urn", "name", "labels", "rules", "spec", "project", "location"),
  fc.oneof(
    plainValue.map((v) => ({ kind: "plain", v })),
    plainValue.map((v) => ({ kind: "output", v })),
    plainValue.map((v) => ({ kind: "secret", v })),
    plainValue.map((v) => ({ kind: "promise", v })),
  ),
);

const materialize = (spec: Record<string, { kind: string; v: unknown }>) =>
  Object.fromEntries(
    Object.entries(spec).map(([k, { kind, v }]) => [
      k,
      kind === "output"
        ? pulumi.output(v)
        : kind === "secret"
          ? pulumi.secret(v)
          : kind === "promise"
            ? Promise.resolve(v)
            : v,
    ]),
  );

const dependencyKeys = (deps: Map<string, Set<unknown>>) => [...deps.keys()].sort();

describe("plain-first serialization", () => {
  it("serializes a resource's inputs as the SDK does: same values, same keys in the same order", async () => {
    await fc.assert(
      fc.asyncProperty(inputs, async (spec) => {
        const [theirs, theirDeps] = await rpc.serializeResourceProperties("r", materialize(spec));
        const [mine, myDeps] = await ours.serializeResourceProperties("r", materialize(spec));
        expect(mine).toEqual(theirs);
        expect(Object.keys(mine)).toEqual(Object.keys(theirs));
        expect(dependencyKeys(myDeps)).toEqual(dependencyKeys(theirDeps));
      }),
      { numRuns: 200 },
    );
  });

  it("serializes a state as the SDK does, id and urn included", async () => {
    await fc.assert(
      fc.asyncProperty(inputs, async (spec) => {
        const theirs = await rpc.serializeProperties("s", materialize(spec));
        const mine = await ours.serializeProperties("s", materialize(spec));
        expect(mine).toEqual(theirs);
        expect(Object.keys(mine)).toEqual(Object.keys(theirs));
      }),
      { numRuns: 200 },
    );
  });

  it("fails as the SDK does, naming the property, when an input's promise fails", async () => {
    const failing = () => ({ name: "ok", spec: Promise.reject(new Error("no such bucket")) });
    const theirs = await rpc.serializeResourceProperties("r", failing()).catch((e: Error) => e.message);
    const mine = await ours.serializeResourceProperties("r", failing()).catch((e: Error) => e.message);
    expect(mine).toBe('error serializing property "spec": no such bucket');
    expect(mine).toBe(theirs);
  });
});
