import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CheckFailedError } from "../../../../actions/lib/errors.ts";
import { systemClock } from "../../../../actions/lib/reporter.ts";
import { EncryptedFileStore } from "../../../../actions/lib/rotation/file-store.ts";
import { parseRotateInputs } from "../../../../actions/lib/rotation/inputs.ts";
import { KubernetesSecretConsumer } from "../../../../actions/lib/rotation/kubernetes-secret-consumer.ts";
import { rotate } from "../../../../actions/lib/rotation/rotate.ts";
import { runRotation } from "../../../../actions/lib/rotation/run.ts";
import { TokenRotator } from "../../../../actions/lib/rotation/token-rotator.ts";
import { parseSmokeConfig } from "../../../../actions/lib/smoke/config.ts";
import { smokeGate } from "../../../../actions/lib/smoke/gate.ts";
import { KubernetesWorkload } from "../../../../actions/lib/targets/kubernetes-workload.ts";
import { type KubernetesEmulator, TENANTS } from "../../../../sandbox/kubernetes/cluster.ts";
import { type LocalCluster, startLocalCluster } from "../../../../sandbox/kubernetes/local-cluster.ts";
import { type ResourceType, resourceByPlural } from "../../../../sandbox/kubernetes/resources.ts";
import { recordingReporter } from "../../../helpers.ts";

const SMOKE = parseSmokeConfig(
  "retries: { attempts: 1 }\nchecks:\n  - { name: api accepts the token, path: /api/key-check, headers: { Authorization: 'Bearer ${API_TOKEN}' }, expect: { status: 200 } }\n",
  "rotation smoke",
);

let dir: string;
let cluster: KubernetesEmulator;

let testCluster: LocalCluster;

beforeEach(async () => {
  testCluster = await startLocalCluster("garde-k8s-rotation-", { token: "rotation-token" });
  ({ dir, cluster } = testCluster);
});

afterEach(() => testCluster.stop());

function setup(check = SMOKE) {
  const kubeConfig = testCluster.kubeConfig();
  const reporter = recordingReporter();
  const workload = new KubernetesWorkload({
    kubeConfig,
    namespace: TENANTS.namespace,
    deployment: TENANTS.deployment,
    clock: systemClock,
    reporter,
    rolloutTimeoutMs: 20_000,
  });
  const consumer = new KubernetesSecretConsumer({
    workload,
    secret: TENANTS.secret,
    key: "API_TOKEN",
    previousKey: "API_TOKEN_PREVIOUS",
    service: TENANTS.service,
    check: (url, values) => smokeGate(check, { clock: systemClock, reporter, env: values })(url),
  });
  const store = new EncryptedFileStore(join(dir, "secrets.enc"), Buffer.alloc(32, 7));
  const opts = {
    store,
    rotator: new TokenRotator(),
    consumers: [consumer],
    clock: systemClock,
    reporter,
    graceMs: 0,
    runId: "run-1",
    actor: "oncall",
    reason: "quarterly rotation",
  };
  return { store, opts, reporter };
}

const keyCheck = async (token: string) =>
  (
    await fetch(`${cluster.controller.serviceUrl(TENANTS.namespace, TENANTS.service)}/api/key-check`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).status;

describe("rotation into a Kubernetes Secret", () => {
  it("sets the key, restarts the pods that read it, checks the app with it, keeps the previous one valid through the grace, then removes it", async () => {
    const { store, opts } = setup();
    await rotate("api-token", opts);
    const first = await store.value("api-token", "1");
    expect(await keyCheck(first)).toBe(200);
    expect(await keyCheck("tok_seed_value")).toBe(401); // the seed value was never garde's
    await rotate("api-token", opts); // retires the value before the first (none: zero grace)
    await rotate("api-token", opts);
    const second = await store.value("api-token", "2");
    expect(await keyCheck(second)).toBe(200);
    expect(await keyCheck(first)).toBe(200); // the overlap

    // Past the grace: the previous key leaves the Secret and the restarted pods refuse it.
    expect((await rotate("api-token", opts)).outcome).toBe("revoked-previous");
    const stored = cluster.store.get(
      resourceByPlural("", "secrets") as ResourceType,
      TENANTS.namespace,
      TENANTS.secret,
    );
    expect(Object.keys((stored as { data?: object } | undefined)?.data ?? {})).not.toContain(
      "API_TOKEN_PREVIOUS",
    );
    expect(await keyCheck(first)).toBe(401);
    expect(await keyCheck(second)).toBe(200);
  });

  it("restores the current value in the Secret and in the pods when the app refuses the new one", async () => {
    const { store, opts } = setup();
    await rotate("api-token", opts);
    await rotate("api-token", opts); // the retiring run: the next one sets a new value
    const current = await store.value("api-token", "1");
    // Checks that fail whatever the value: the new one is refused.
    const refusing = setup(
      parseSmokeConfig(
        "retries: { attempts: 1 }\nchecks:\n  - { name: impossible, path: /no-such-page, expect: { status: 200 } }\n",
        "refusing",
      ),
    );
    const err = await rotate("api-token", { ...refusing.opts, store }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect((err as Error).message).toContain("the restarted pods failed their checks");
    expect(await keyCheck(current)).toBe(200);
    expect((await store.snapshot("api-token")).current).toBe("1");
    // What runs is what the Secret says again: every pod was restarted with the current value.
    const pods = cluster.store.list(resourceByPlural("", "pods") as ResourceType, TENANTS.namespace);
    expect(pods.length).toBe(2);
    for (const pod of pods) {
      expect(cluster.controller.podBuild(TENANTS.namespace, pod.metadata.name)?.env.API_TOKEN).toBe(current);
    }
  });

  it("runs from rotation.yml's kubernetes consumer and the rotate-keys inputs, as the action and CLI do", async () => {
    const config = join(dir, "rotation.yml");
    writeFileSync(
      config,
      `store: { type: file, path: ${join(dir, "store.enc")} }\ngraceHours: 0\nsecrets:\n  - name: api-token\n    kind: token\n    consumers:\n      - kubernetes: { secret: api-keys, key: API_TOKEN, previousKey: API_TOKEN_PREVIOUS }\n`,
    );
    // Rotation takes the cluster's inputs but no platform or image: rotation.yml names the consumer.
    const { platform: _platform, "image-template": _image, ...clusterInputs } = testCluster.inputs();
    const inputs = parseRotateInputs({
      ...clusterInputs,
      repository: "acme/tenants",
      config,
      secrets: "api-token",
      reason: "quarterly rotation",
      "store-key": "ab".repeat(32),
      "smoke-config-inline":
        "retries: { attempts: 1 }\nchecks:\n  - { path: /api/key-check, headers: { Authorization: 'Bearer ${API_TOKEN}' }, expect: { status: 200 } }\n",
    });
    expect(inputs.platform?.kubernetes).toMatchObject({ namespace: "production", deployment: "api-server" });
    const reporter = recordingReporter();
    const { reports } = await runRotation(
      inputs.config,
      { ...inputs.request, actor: "oncall", runId: "run-7" },
      {
        reporter,
        env: {},
        platform: inputs.platform,
        smoke: inputs.smoke,
        fileStoreKey: inputs.fileStoreKey,
      },
    );
    expect(reports[0]?.outcome).toBe("rotated");
    const store = new EncryptedFileStore(join(dir, "store.enc"), Buffer.from("ab".repeat(32), "hex"));
    expect(await keyCheck(await store.value("api-token", "1"))).toBe(200);
  });

  it("refuses a kubernetes consumer without the cluster inputs, naming them (exit 2)", () => {
    const config = join(dir, "rotation.yml");
    writeFileSync(
      config,
      "store: { type: file, path: store.enc }\nsecrets:\n  - name: api-token\n    kind: token\n    consumers: [{ kubernetes: { secret: api-keys, key: API_TOKEN } }]\n",
    );
    expect(() =>
      parseRotateInputs({ repository: "acme/tenants", config, secrets: "api-token", reason: "quarterly" }),
    ).toThrow(/kubeconfig: is required when a secret in the rotation config has a Kubernetes consumer/);
  });
});
