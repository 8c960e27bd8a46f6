import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { mockRegistration, type RegistrationSdk } from "../../../infra/offline-sdk/mock-registration.ts";
import { offlineRuntime } from "../../../infra/offline-sdk.ts";

interface Settled {
  value?: unknown;
  secret?: boolean;
  error?: string;
}

/** An Output's value, whether it is secret, or its error, once settled. */
async function settle(output: unknown): Promise<Settled> {
  const o = output as { promise(): Promise<unknown>; isSecret: Promise<boolean> } & Record<
    string,
    Promise<unknown>
  >;
  // Every promise of an Output settles, a failed registration's included: none is left unobserved.
  await Promise.allSettled([o.isKnown, o.isSecret, o.allResources]);
  try {
    return { value: await o.promise(), secret: await o.isSecret };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

class Thing extends pulumi.CustomResource {
  declare readonly size: pulumi.Output<number>;
  declare readonly computed: pulumi.Output<string>;
}

class Group extends pulumi.ComponentResource {
  done(outputs: pulumi.Inputs) {
    this.registerOutputs(outputs);
  }
}

/**
 * A small program (a component, resources in it, an Output and a secret passed from one to another,
 * a computed property, an input the mock leaves out of the state), registered under mocks; every
 * property of every resource settled, and what the mock monitor recorded.
 */
async function run(offline: boolean, failOn?: string) {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (args.name === failOn) throw new Error("quota exceeded");
        const { dropped: _, ...kept } = args.inputs;
        return { id: `${args.name}-id`, state: { ...kept, computed: `${args.type}/${args.name}` } };
      },
      call: () => ({}),
    },
    "garde",
    "test",
    false,
  );
  const restore = offline ? offlineRuntime() : () => {};
  try {
    const group = new Group("test:index:Group", "group", {});
    const first = new Thing(
      "test:index:Thing",
      "first",
      { size: 3, tags: ["a", undefined], dropped: "x", computed: undefined },
      { parent: group },
    );
    const second = failOn
      ? undefined
      : new Thing(
          "test:index:Thing",
          "second",
          {
            size: first.size,
            key: pulumi.secret("s3cret"),
            label: pulumi.interpolate`${first.computed}!`,
            computed: undefined,
          },
          { parent: group, dependsOn: [first], protect: true },
        );
    group.done({ second: second?.id });
    // A resource after one that failed would wait for it forever, under either registration.
    const resources = (failOn ? { first } : { first, second }) as unknown as Record<
      string,
      Record<string, unknown>
    >;
    const settled: Record<string, Record<string, Settled>> = {};
    for (const [name, r] of Object.entries(resources)) {
      settled[name] = {};
      for (const key of ["urn", "id", "size", "tags", "dropped", "key", "label", "computed"]) {
        if (key in r) settled[name][key] = await settle(r[key]);
      }
    }
    const settings = (await import("@pulumi/pulumi/runtime/settings.js")) as {
      waitForRPCs?: () => Promise<void>;
    };
    await settings.waitForRPCs?.();
    const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
    // The mock monitor keeps a component's outputs as the request carried them (a protobuf Struct).
    const plainState = (r: { state?: unknown }) => {
      const state = r.state as { toJavaScript?: () => unknown } | undefined;
      return { ...r, state: typeof state?.toJavaScript === "function" ? state.toJavaScript() : state };
    };
    return {
      settled,
      recorded: [...monitor.resources.entries()].map(([urn, r]) => [urn, plainState(r as object)]),
    };
  } finally {
    restore();
  }
}

describe("the mock registration", () => {
  it("resolves every Output and records every resource as the SDK's own registration does", async () => {
    const sdk = await run(false);
    const offline = await run(true);
    expect(offline).toEqual(sdk);
    expect(offline.settled.second?.label).toEqual({ value: "test:index:Thing/first!", secret: false });
    expect(offline.settled.second?.key).toEqual({ value: "s3cret", secret: true });
    expect(offline.settled.first?.urn?.value).toBe(
      "urn:pulumi:test::garde::test:index:Group$test:index:Thing::first",
    );
    expect(offline.settled.first?.dropped).toEqual({ value: "x", secret: false }); // the input, as the SDK resolves it
  });

  it("fails a resource's Outputs with the SDK's message when the mock refuses it", async () => {
    const sdk = await run(false, "first");
    const offline = await run(true, "first");
    expect(offline.settled.first?.size).toEqual({
      error: "failed to register new resource first [test:index:Thing]: quota exceeded",
    });
    expect(offline.settled.first).toEqual(sdk.settled.first);
  });

  it("leaves to the SDK's own registration what only an engine acts on, and any other monitor", () => {
    const own = vi.fn();
    const prepareResource = vi.fn(() => new Promise<never>(() => {}));
    const fake = {
      registerResource: own,
      prepareResource,
      getMonitor: () => "a mock monitor",
      isMockMonitor: (m: unknown) => m === "a mock monitor",
      rpcKeepAlive: () => () => {},
    } as unknown as RegistrationSdk;
    const register = mockRegistration(fake);
    const args = (opts: Record<string, unknown>, packageRef?: string) =>
      [
        {},
        undefined,
        "t:index:T",
        "n",
        true,
        false,
        undefined,
        {},
        opts,
        undefined,
        undefined,
        packageRef,
      ] as const;
    for (const opts of [
      { transforms: [() => undefined] },
      { aliases: ["urn:old"] },
      { hooks: {} },
      { replaceWith: [{}] },
    ])
      register(...args(opts));
    register(...args({}, "a package"));
    expect(own).toHaveBeenCalledTimes(5);
    register(...args({ protect: true, aliases: [] }));
    expect(own).toHaveBeenCalledTimes(5);
    expect(prepareResource).toHaveBeenCalledTimes(1);
    const onAnotherMonitor = mockRegistration({ ...fake, getMonitor: () => "an engine" });
    onAnotherMonitor(...args({}));
    expect(own).toHaveBeenCalledTimes(6);
  });
});
