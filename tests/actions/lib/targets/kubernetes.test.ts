import {
  type ApiException,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitReady } from "../../../../actions/lib/deploy/wait-ready.ts";
import { CheckFailedError, exitCodeFor, InputError, PlatformError } from "../../../../actions/lib/errors.ts";
import { systemClock } from "../../../../actions/lib/reporter.ts";
import { KubernetesTarget } from "../../../../actions/lib/targets/kubernetes.ts";
import { type KubernetesEmulator, TENANTS } from "../../../../sandbox/kubernetes/cluster.ts";
import { type LocalCluster, startLocalCluster } from "../../../../sandbox/kubernetes/local-cluster.ts";
import type { SampleApp } from "../../../../sandbox/sample-app.ts";
import { recordingReporter } from "../../../helpers.ts";

const TOKEN = "cluster-test-token";
let app: SampleApp;
let cluster: KubernetesEmulator;
let kubeConfig: KubeConfig;

let testCluster: LocalCluster;

beforeEach(async () => {
  testCluster = await startLocalCluster("garde-k8s-target-", { token: TOKEN });
  ({ app, cluster } = testCluster);
  kubeConfig = testCluster.kubeConfig();
});

afterEach(() => testCluster.stop());

function target(overrides: Partial<ConstructorParameters<typeof KubernetesTarget>[0]> = {}) {
  const reporter = recordingReporter();
  const t = new KubernetesTarget({
    kubeConfig,
    namespace: TENANTS.namespace,
    deployment: TENANTS.deployment,
    service: TENANTS.service,
    imageTemplate: `${TENANTS.registry}/api:{sha}`,
    clock: systemClock,
    reporter,
    rolloutTimeoutMs: 20_000,
    actor: "release-manager",
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 1_000 },
    ...overrides,
  });
  return { t, reporter };
}

const release = (body: string) =>
  app.commit("main", { "public/index.html": `<!doctype html><h1>${body}</h1>\n` }, body, "main");
const request = (sha: string, staged = true) =>
  ({ sha, branch: "main", environment: "production", staged, meta: { rule: "push to main" } }) as const;
const ready = (t: KubernetesTarget, id: string) =>
  waitReady(t, id, {
    timeoutMs: 20_000,
    pollIntervalMs: 50,
    clock: systemClock,
    reporter: recordingReporter(),
  });
const gateway = async () =>
  await (await fetch(cluster.controller.serviceUrl("production", "api-gateway") as string)).text();

describe("Kubernetes target through @kubernetes/client-node", () => {
  it("stages a build beside production, outside the gateway, then promotes it: the rollout completes and production serves it", async () => {
    const { t, reporter } = target();
    const sha = release("release two");
    const created = await t.create(request(sha));
    const staged = await ready(t, created.id);
    expect(staged.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(staged.url)).text()).toContain("release two");
    // Checked before it takes any traffic: the gateway still serves the seed.
    expect(await gateway()).toContain("garde sample app");
    await t.promote(created.id);
    expect((await t.currentProduction())?.id).toBe(created.id);
    expect(await gateway()).toContain("release two");
    expect(
      reporter.lines.some((l) =>
        /Rollout of deployment production\/api-server: 2\/2 updated, 2 available/.test(l),
      ),
    ).toBe(true);
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: "api-server", namespace: "production" });
    expect(d.metadata?.annotations?.["kubernetes.io/change-cause"]).toBe(
      `garde promote ${created.id} by release-manager`,
    );
    expect(d.spec?.template?.metadata?.annotations?.["garde.dev/garde-version"]).toBeTruthy();
    const preview = await apps.readNamespacedDeployment({
      name: "api-server-staged",
      namespace: "production",
    });
    expect(preview.spec?.replicas).toBe(0);
  });

  it("runs a staging build on a Deployment of its own beside production, never on production", async () => {
    const { t } = target();
    const sha = release("on develop");
    const created = await t.create({
      sha,
      branch: "develop",
      environment: "staging",
      staged: false,
      meta: {},
    });
    const built = await ready(t, created.id);
    expect(await (await fetch(built.url)).text()).toContain("on develop");
    expect(await gateway()).toContain("garde sample app");
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const staging = await apps.readNamespacedDeployment({
      name: "api-server-staging",
      namespace: "production",
    });
    expect(staging.spec?.template?.spec?.containers?.[0]?.image).toBe(`${TENANTS.registry}/api:${sha}`);
    expect((await t.currentProduction())?.id).not.toBe(created.id);
  });

  it("fails a build that never becomes ready at its progress deadline, leaving production serving", async () => {
    // Set in the cluster's store: a read-then-replace here raced the controller's own writes (409).
    cluster.edit("apps", "deployments", "production", "api-server", (d) => {
      d.spec.progressDeadlineSeconds = 1;
    });
    const { t } = target();
    // A tag no commit has: the image cannot be pulled, the pod never becomes ready.
    const created = await t.create(request("0badc0de".repeat(5)));
    const err = await ready(t, created.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect(exitCodeFor(err)).toBe(1);
    expect((err as Error).message).toMatch(
      /ended in ERROR: ProgressDeadlineExceeded: ReplicaSet "api-server-staged-\w+" has timed out progressing/,
    );
    expect(await gateway()).toContain("garde sample app");
  });

  it("undoes a promotion whose production rollout exceeds its progress deadline (exit 1), as rollout undo", async () => {
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const { t } = target();
    const created = await t.create(request(release("checked on one replica")));
    await ready(t, created.id);
    // What rolls on production cannot start there (an image the nodes cannot pull), within 1 s.
    cluster.edit("apps", "deployments", "production", "api-server-staged", (d) => {
      const spec = d.spec as { template: { spec: { containers: { image: string }[] } } };
      (spec.template.spec.containers[0] as { image: string }).image =
        `${TENANTS.registry}/api:${"0badc0de".repeat(5)}`;
    });
    cluster.edit("apps", "deployments", "production", "api-server", (d) => {
      (d.spec as { progressDeadlineSeconds: number }).progressDeadlineSeconds = 1;
    });
    const err = await t.promote(created.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect(exitCodeFor(err)).toBe(1);
    expect((err as Error).message).toMatch(
      /Rollout of deployment production\/api-server failed: ProgressDeadlineExceeded: .*; undone: deployment production\/api-server runs its previous template again/,
    );
    expect(await gateway()).toContain("garde sample app");
    const d = await apps.readNamespacedDeployment({ name: "api-server", namespace: "production" });
    expect(d.metadata?.annotations?.["kubernetes.io/change-cause"]).toMatch(/^garde undo of promote /);
    expect(d.status?.availableReplicas).toBe(2);
  });

  it("rolls production back to the revision that ran a known-good build, as rollout undo --to-revision", async () => {
    const { t } = target();
    const first = await t.create(request(release("first"), false));
    const second = await t.create(request(release("second"), false));
    expect((await t.currentProduction())?.id).toBe(second.id);
    expect(await gateway()).toContain("second");
    await t.rollback(first.id);
    expect((await t.currentProduction())?.id).toBe(first.id);
    expect(await gateway()).toContain("first");
    await t.rollback(first.id); // already serving: nothing to do
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const sets = await apps.listNamespacedReplicaSet({ namespace: "production" });
    // Three templates ever ran (seed, first, second): going back reused first's ReplicaSet.
    expect(sets.items).toHaveLength(3);
  });

  it("retries a write that lost a race (409 Conflict) on a fresh read, keeping the other writer's change", async () => {
    const { t, reporter } = target();
    const path = "/apis/apps/v1/namespaces/production/deployments/api-server";
    // Read 1 is create()'s look at the template; right after read 2 (the read-modify-write's),
    // another client labels the Deployment: garde's write carries a stale resourceVersion.
    cluster.api.raceRead(path, 2, () =>
      cluster.edit("apps", "deployments", "production", "api-server", (d) => {
        d.metadata.labels = { ...d.metadata.labels, team: "tenants" };
      }),
    );
    const created = await t.create(request(release("raced"), false));
    expect((await t.currentProduction())?.id).toBe(created.id);
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: "api-server", namespace: "production" });
    expect(d.metadata?.labels?.team).toBe("tenants");
    expect(reporter.lines.filter((l) => l.includes("(409 Conflict); reading it again"))).toEqual([
      expect.any(String),
    ]);
  });

  it("names a missing namespace or deployment as bad input (exit 2)", async () => {
    const noNamespace = await target({ namespace: "staging" })
      .t.create(request(release("x")))
      .catch((e: unknown) => e);
    expect(noNamespace).toBeInstanceOf(InputError);
    expect(exitCodeFor(noNamespace)).toBe(2);
    expect((noNamespace as Error).message).toContain("namespace staging does not exist on the cluster");
    const noDeployment = await target({ deployment: "api" })
      .t.currentProduction()
      .catch((e: unknown) => e);
    expect(noDeployment).toBeInstanceOf(InputError);
    expect((noDeployment as Error).message).toContain(
      "read deployment production/api: not found in namespace production",
    );
  });

  it("reads an outage as an outage (exit 1), never as a missing namespace or object (exit 2)", async () => {
    const { t } = target({ deployment: "api" });
    cluster.api.failNext("GET", "/api/v1/namespaces/production", 503, 10);
    const namespaceDown = await t.currentProduction().catch((e: unknown) => e);
    expect(namespaceDown).toBeInstanceOf(PlatformError);
    expect(exitCodeFor(namespaceDown)).toBe(1);
    expect((namespaceDown as Error).message).toMatch(
      /^Failed to read namespace production: HTTP 503 the server is currently unable to handle the request after 4 attempts$/,
    );

    const { t: tenants } = target();
    await tenants.create(request(release("v1")));
    cluster.api.failNext("GET", "/apis/apps/v1/namespaces/production/deployments/api-server-staged", 503, 10);
    const sideDown = await tenants.create(request(release("v2"))).catch((e: unknown) => e);
    expect(exitCodeFor(sideDown)).toBe(1);
    expect((sideDown as Error).message).toMatch(
      /^Failed to read deployment production\/api-server-staged: HTTP 503/,
    );
  });

  it("retries a transient failure and a garbled answer, then names the endpoint when it stays garbled", async () => {
    const { t, reporter } = target();
    const path = "/apis/apps/v1/namespaces/production/deployments/api-server";
    cluster.api.failNext("GET", path, 503, 1);
    cluster.api.failNext("GET", path, 200, 1, "<html><body>502 Bad Gateway</body></html>");
    await t.currentProduction();
    expect(
      reporter.lines.filter((l) => /read deployment production\/api-server: .*retrying/.test(l)),
    ).toHaveLength(2);

    cluster.api.failNext("GET", path, 200, 10, '{"kind":"Deployment","metadata":');
    const err = await t.currentProduction().catch((e: unknown) => e);
    expect(exitCodeFor(err)).toBe(1);
    expect((err as Error).message).toBe(
      "Failed to read deployment production/api-server: the Kubernetes API answered malformed JSON after 4 attempts",
    );
  });

  it("retries a write the API server answered 503 by reading again, and promotes once", async () => {
    const { t, reporter } = target();
    const created = await t.create(request(release("release three")));
    await ready(t, created.id);
    cluster.api.failNext("PUT", "/apis/apps/v1/namespaces/production/deployments/api-server", 503, 1);
    await t.promote(created.id);
    expect((await t.currentProduction())?.id).toBe(created.id);
    expect(await gateway()).toContain("release three");
    expect(
      reporter.lines.filter((l) =>
        /update deployment production\/api-server: HTTP 503 .*reading it again/.test(l),
      ),
    ).toHaveLength(1);
  });

  it("is refused a patch without a patch Content-Type (415), as the API server refuses it", async () => {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const err = (await core
      .patchNamespacedConfigMap(
        { name: "rate-limits", namespace: "production", body: { data: { global: "10" } } },
        setHeaderOptions("Content-Type", "application/json"),
      )
      .catch((e: unknown) => e)) as ApiException<unknown>;
    expect(err.code).toBe(415);
    const cm = await core.readNamespacedConfigMap({ name: "rate-limits", namespace: "production" });
    expect(cm.data?.global).toBe("50");
  });
});
