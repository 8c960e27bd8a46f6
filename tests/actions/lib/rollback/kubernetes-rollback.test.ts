import { AppsV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDeployConfig } from "../../../../actions/lib/deploy/config.ts";
import { exitCodeFor, InputError } from "../../../../actions/lib/errors.ts";
import { parseRollbackConfig } from "../../../../actions/lib/rollback/config.ts";
import { runRollback } from "../../../../actions/lib/rollback/run.ts";
import { TENANTS } from "../../../../sandbox/kubernetes/cluster.ts";
import { type LocalCluster, startLocalCluster } from "../../../../sandbox/kubernetes/local-cluster.ts";
import { type Sandbox, startSandbox } from "../../../../sandbox/sandbox.ts";
import { shipToProduction } from "../../../../sandbox/ship.ts";
import { recordingReporter } from "../../../helpers.ts";

// The deploy gate checks the page; the watch also checks the API, which the bad release breaks.
const WATCH_SMOKE =
  "retries: { attempts: 1 }\nchecks:\n  - { path: / }\n  - { path: /api/status, expect: { status: 200 } }\n";

let sandbox: Sandbox;
let local: LocalCluster;

beforeAll(async () => {
  sandbox = await startSandbox();
  local = await startLocalCluster("garde-k8s-pipeline-", { app: sandbox.app });
});

afterAll(async () => {
  await local?.stop();
  await sandbox?.stop();
});

async function release(body: string, files: Record<string, string> = {}): Promise<string> {
  const sha = sandbox.app.commit(
    "main",
    { "public/index.html": `<!doctype html><h1>${body}</h1>\n`, "routes.json": "{}", ...files },
    body,
    "main",
  );
  const inputs = {
    ...sandbox.inputs(),
    ...local.inputs(),
    sha,
    "smoke-config-inline": "checks: [{ path: / }]",
    "ready-timeout": "30",
  };
  return (await shipToProduction(inputs, { reporter: recordingReporter(), env: { GITHUB_ACTOR: "ci" } }))
    .deploymentId;
}

function guard(window: string, interval: string) {
  const config = parseRollbackConfig({
    ...sandbox.platformInputs(),
    ...local.inputs(),
    "smoke-config-inline": WATCH_SMOKE,
    "watch-window": window,
    "watch-interval": interval,
    "consecutive-failures": "3",
    "github-issue": "false",
  });
  return runRollback(config, { reporter: recordingReporter(), env: {} });
}

const gateway = async () =>
  (await fetch(local.cluster.controller.serviceUrl(TENANTS.namespace, TENANTS.service) as string)).text();

describe("deploy and auto-rollback on Kubernetes, through the same cores as Vercel", () => {
  it("rolls a bad image the smoke checks catch back to the known-good revision", async () => {
    const good = await release("known good");
    expect(await gateway()).toContain("known good");
    const watched = await guard("1s", "1s");
    expect(watched).toMatchObject({ outcome: "known-good", from: good });

    const bad = await release("bad release", {
      "routes.json": '{"/api/status":{"status":500,"body":"cannot reach the database"}}',
    });
    // The page check passed: the bad image took the gateway.
    expect(await gateway()).toContain("bad release");

    const outcome = await guard("20s", "1s");
    expect(outcome).toMatchObject({ outcome: "rolled-back", from: bad, to: good });
    expect(await gateway()).toContain("known good");
    const apps = local.kubeConfig().makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: TENANTS.deployment, namespace: TENANTS.namespace });
    expect(d.metadata?.annotations?.["kubernetes.io/change-cause"]).toMatch(
      new RegExp(`^garde rollback to ${good} \\(revision \\d+\\)`),
    );
    expect(d.spec?.template?.spec?.containers?.[0]?.image).toBe(
      `${TENANTS.registry}/api:${sandbox.app.git("rev-parse", "main~1")}`,
    );
  });

  it("names each missing Kubernetes input, and a kubeconfig that is not there, with exit 2", () => {
    const missing = (() => {
      try {
        parseDeployConfig({ ...sandbox.inputs(), platform: "kubernetes", sha: "a".repeat(40) });
      } catch (err) {
        return err;
      }
    })();
    expect(missing).toBeInstanceOf(InputError);
    expect(exitCodeFor(missing)).toBe(2);
    expect((missing as Error).message).toMatch(/- kubeconfig: is required with platform kubernetes/);
    expect((missing as Error).message).toMatch(/- kubernetes-deployment: is required/);
    expect((missing as Error).message).toMatch(/- kubernetes-service: is required/);

    expect(() =>
      parseDeployConfig({
        ...sandbox.inputs(),
        ...local.inputs({ kubeconfig: `${local.dir}/nope` }),
        sha: "a".repeat(40),
      }),
    ).toThrow(/no kubeconfig at .*nope; give the kubeconfig input or set KUBECONFIG/);
    expect(() =>
      parseDeployConfig({
        ...sandbox.inputs(),
        ...local.inputs({ "image-template": "" }),
        sha: "a".repeat(40),
      }),
    ).toThrow(/image-template: is required with platform kubernetes/);
  });
});
