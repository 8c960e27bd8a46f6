import { describe, expect, it } from "vitest";
import { diffStack } from "../../../../actions/lib/review/diff-stacks.ts";
import { diffInputs } from "../../../../actions/lib/review/property-diff.ts";
import { SIG_KEY } from "../../../../actions/lib/review/pulumi-values.ts";

const secret = (value: unknown) => ({ [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", value });
const CANARY = "canary-5b1f-secret-value";

describe("diffInputs", () => {
  it("reports each changed leaf by its Pulumi property path, nothing that stayed", () => {
    const old = {
      conditions: [{ displayName: "a", conditionThreshold: { thresholdValue: 2000, duration: "300s" } }],
    };
    const now = {
      conditions: [{ displayName: "a", conditionThreshold: { thresholdValue: 3000, duration: "300s" } }],
    };
    expect(diffInputs(old, now)).toEqual([
      { path: "conditions[0].conditionThreshold.thresholdValue", kind: "update", old: 2000, new: 3000 },
    ]);
  });

  it("names added and removed properties, quotes keys that are not identifiers, and ignores __defaults", () => {
    const diffs = diffInputs(
      { labels: { "app.kubernetes.io/name": "shop", tier: "web" }, __defaults: ["x"] },
      { labels: { "app.kubernetes.io/name": "shop2", team: "ops" }, __defaults: ["y"], ports: [80] },
    );
    expect(diffs).toEqual([
      { path: 'labels["app.kubernetes.io/name"]', kind: "update", old: "shop", new: "shop2" },
      { path: "labels.team", kind: "add", new: "ops" },
      { path: "labels.tier", kind: "delete", old: "web" },
      { path: "ports", kind: "add", new: [80] },
    ]);
  });

  it("shows a secret as [secret] on both sides, compares it by what the caller says it holds, never prints it", () => {
    const same = diffInputs({ token: secret(CANARY) }, { token: secret(CANARY) });
    expect(same).toEqual([]);
    const changed = diffInputs({ token: secret(CANARY) }, { token: secret(`${CANARY}-2`) });
    expect(changed).toEqual([{ path: "token", kind: "update", old: "[secret]", new: "[secret]" }]);
    // A plain value becoming secret: the old plain side is hidden too.
    expect(diffInputs({ token: CANARY }, { token: secret(CANARY) })).toEqual([
      { path: "token", kind: "update", old: "[secret]", new: "[secret]" },
    ]);
    const rekeyed = diffInputs(
      { t: secret("(secret A)") },
      { t: secret("(secret A)") },
      {
        secretIdentity: (_v, side) => (side === "old" ? "digest-1" : "digest-2"),
      },
    );
    expect(rekeyed).toEqual([{ path: "t", kind: "update", old: "[secret]", new: "[secret]" }]);
    expect(JSON.stringify([changed, rekeyed])).not.toContain(CANARY);
  });

  it("treats assets and archives as values compared and shown by hash", () => {
    const archive = (hash: string) => ({ [SIG_KEY]: "0def7320c3a5731c473e5ecbe6d01bc7", hash, assets: {} });
    expect(diffInputs({ code: archive("aaaaaaaaaaaa11") }, { code: archive("bbbbbbbbbbbb22") })).toEqual([
      {
        path: "code",
        kind: "update",
        old: "[archive sha256:aaaaaaaaaaaa]",
        new: "[archive sha256:bbbbbbbbbbbb]",
      },
    ]);
  });
});

describe("diffStack", () => {
  const r = (name: string, type: string, inputs: Record<string, unknown>) => ({
    urn: `urn:pulumi:prod::garde::${type}::${name}`,
    type,
    inputs,
  });

  it("matches resources by URN: creates, deletes, updates, and replaces when the provider forces it", () => {
    const base = {
      stack: "prod",
      resources: [
        r("b", "gcp:storage/bucket:Bucket", { name: "b", location: "EU", versioning: { enabled: false } }),
        r("c", "gcp:storage/bucket:Bucket", { name: "c", location: "EU", versioning: { enabled: false } }),
        r("gone", "gcp:pubsub/topic:Topic", { name: "gone" }),
        r("same", "gcp:pubsub/topic:Topic", { name: "same" }),
      ],
    };
    const head = {
      stack: "prod",
      resources: [
        r("b", "gcp:storage/bucket:Bucket", { name: "b", location: "US", versioning: { enabled: false } }),
        r("c", "gcp:storage/bucket:Bucket", { name: "c", location: "EU", versioning: { enabled: true } }),
        r("same", "gcp:pubsub/topic:Topic", { name: "same" }),
        r("new", "gcp:pubsub/topic:Topic", { name: "new" }),
      ],
    };
    const review = diffStack("prod", base, head);
    expect(review.status).toBe("changed");
    expect(review.replaces).toEqual([
      expect.objectContaining({ urn: head.resources[0]?.urn, replaceReasons: ["location"] }),
    ]);
    expect(review.updates).toEqual([
      expect.objectContaining({
        urn: head.resources[1]?.urn,
        diffs: [{ path: "versioning.enabled", kind: "update", old: false, new: true }],
      }),
    ]);
    expect(review.deletes.map((d) => d.urn)).toEqual([base.resources[2]?.urn]);
    expect(review.creates.map((d) => d.urn)).toEqual([head.resources[3]?.urn]);
    expect(review.unchanged).toBe(1);
  });

  it("replaces a ConfigMap whose data changes, as pulumi-kubernetes does, and a Deployment only on its selector", () => {
    const cm = (data: string) => r("cfg", "kubernetes:core/v1:ConfigMap", { data: { a: data } });
    expect(
      diffStack("s", { stack: "s", resources: [cm("1")] }, { stack: "s", resources: [cm("2")] }).replaces,
    ).toHaveLength(1);
    const dep = (image: string, app: string) =>
      r("api", "kubernetes:apps/v1:Deployment", {
        spec: { selector: { matchLabels: { app } }, template: { spec: { containers: [{ image }] } } },
      });
    const imageOnly = diffStack(
      "s",
      { stack: "s", resources: [dep("a:1", "x")] },
      { stack: "s", resources: [dep("a:2", "x")] },
    );
    expect([imageOnly.updates.length, imageOnly.replaces.length]).toEqual([1, 0]);
    const selector = diffStack(
      "s",
      { stack: "s", resources: [dep("a:1", "x")] },
      { stack: "s", resources: [dep("a:1", "y")] },
    );
    expect(selector.replaces[0]?.replaceReasons).toEqual(["spec.selector.matchLabels.app"]);
  });
});
