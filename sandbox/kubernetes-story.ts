/**
 * The story's Kubernetes act: the tenants system's API on the emulated cluster, shipped, watched,
 * rolled back and operated by garde through the same cores as on Vercel, shown as kubectl shows it.
 */
import { parseOperationInputs } from "../actions/lib/operations/inputs.ts";
import { runOperation } from "../actions/lib/operations/run.ts";
import { type Reporter, systemClock } from "../actions/lib/reporter.ts";
import { parseRollbackConfig } from "../actions/lib/rollback/config.ts";
import { runRollback } from "../actions/lib/rollback/run.ts";
import { REVISION } from "../actions/lib/targets/kubernetes-workload.ts";
import { TENANTS } from "./kubernetes/cluster.ts";
import { type LocalCluster, startLocalCluster } from "./kubernetes/local-cluster.ts";
import { type ResourceType, resourceByPlural } from "./kubernetes/resources.ts";
import { tableOf } from "./kubernetes/tables.ts";
import type { Sandbox } from "./sandbox.ts";
import { shipToProduction } from "./ship.ts";

const WATCH_SMOKE =
  "retries: { attempts: 1 }\nchecks:\n  - { name: home, path: / }\n  - { name: status api, path: /api/status, expect: { status: 200 } }\n";

/** `kubectl get KIND -n production`, printed from the Table the API server gives kubectl. */
function kubectlGet(local: LocalCluster, group: "" | "apps", plural: string): string {
  const type = resourceByPlural(group, plural) as ResourceType;
  const table = tableOf(type, local.cluster.store.list(type, TENANTS.namespace), { resourceVersion: "" });
  const columns = table.columnDefinitions.filter((c) => c.priority === 0);
  const rows = [
    columns.map((c) => c.name.toUpperCase()),
    ...table.rows.map((r) => r.cells.slice(0, columns.length).map(String)),
  ];
  const widths = columns.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map(
      (r) =>
        `        ${r
          .map((cell, i) => cell.padEnd((widths[i] ?? 0) + 3))
          .join("")
          .trimEnd()}`,
    )
    .join("\n");
}

/** `kubectl rollout history deployment/api-server`: revisions and their change causes. */
function rolloutHistory(local: LocalCluster): string {
  const type = resourceByPlural("apps", "replicasets") as ResourceType;
  const sets = local.cluster.store
    .list(type, TENANTS.namespace)
    .filter(
      (rs) =>
        rs.metadata.name.startsWith(`${TENANTS.deployment}-`) &&
        !/-(staged|staging|preview)-/.test(rs.metadata.name),
    )
    .map((rs) => ({
      revision: Number(rs.metadata.annotations?.[REVISION] ?? 0),
      cause: rs.metadata.annotations?.["kubernetes.io/change-cause"] ?? "<none>",
    }))
    .sort((a, b) => a.revision - b.revision);
  return [`REVISION  CHANGE-CAUSE`, ...sets.map((s) => `${String(s.revision).padEnd(10)}${s.cause}`)]
    .map((l) => `        ${l}`)
    .join("\n");
}

export async function kubernetesStory(sandbox: Sandbox, reporter: Reporter): Promise<void> {
  const local = await startLocalCluster("garde-story-k8s-", { app: sandbox.app, podStartMs: 100 });
  try {
    const acts = clusterActs(sandbox, local, reporter);
    await releaseAndRollBack(local, acts);
    await flipTheSwitches(local, acts);
  } finally {
    await local.stop();
  }
}

/** What the release manager and the on-call do on the cluster: deploy, watch, operate. */
function clusterActs(sandbox: Sandbox, local: LocalCluster, reporter: Reporter) {
  const deploy = async (version: string, files: Record<string, string> = {}) => {
    const sha = sandbox.app.commit(
      "main",
      { "public/version.txt": `${version}\n`, "routes.json": "{}", ...files },
      `tenants API ${version}`,
      "main",
    );
    return shipToProduction(
      {
        ...sandbox.inputs(),
        ...local.inputs(),
        sha,
        "smoke-config-inline": "checks: [{ name: home, path: / }]",
      },
      { reporter, env: { GITHUB_ACTOR: "release-manager" } },
    );
  };
  const guard = (window: string) =>
    runRollback(
      parseRollbackConfig({
        ...sandbox.platformInputs(),
        ...local.inputs(),
        "smoke-config-inline": WATCH_SMOKE,
        "watch-window": window,
        "watch-interval": "1s",
        "github-issue": "false",
      }),
      { reporter, env: {} },
    );
  const operate = (inputs: Record<string, string>) =>
    runOperation(parseOperationInputs({ kubeconfig: local.kubeconfig, ...inputs }), {
      reporter,
      clock: systemClock,
      actor: "oncall-amelie",
      now: new Date(),
    });
  const gateway = local.cluster.controller.serviceUrl(TENANTS.namespace, TENANTS.service) as string;
  return { deploy, guard, operate, gateway };
}

/** 2.0.0 is deployed and watched to known-good; 2.1.0 fails in production and is rolled back. */
async function releaseAndRollBack(
  local: LocalCluster,
  { deploy, guard }: ReturnType<typeof clusterActs>,
): Promise<void> {
  const good = await deploy("2.0.0");
  console.log(
    `    ✓ production ${good.deploymentId}: staged on ${TENANTS.deployment}-staged, checked, promoted`,
  );
  console.log(`    $ kubectl get deploy,svc -n ${TENANTS.namespace}`);
  console.log(kubectlGet(local, "apps", "deployments"));
  console.log(kubectlGet(local, "", "services"));
  const watched = await guard("2s");
  console.log(`    ✓ ${watched.outcome}: ${watched.reason}`);

  const bad = await deploy("2.1.0", {
    "routes.json": '{"/api/status":{"status":500,"body":"Firestore: DEADLINE_EXCEEDED"}}',
  });
  const liveAt = performance.now();
  console.log(
    `    ✓ production ${bad.deploymentId} (2.1.0): the page check passed, promoted; its status API fails`,
  );
  const outcome = await guard("30s");
  const restored = (performance.now() - liveAt) / 1000;
  console.log(
    `    ✓ ${outcome.outcome} from ${outcome.from} to ${outcome.to}, ${restored.toFixed(1)} s after 2.1.0 went live`,
  );
  console.log(`    $ kubectl rollout history deployment/${TENANTS.deployment} -n ${TENANTS.namespace}`);
  console.log(rolloutHistory(local));
}

/** The runbook's switches: maintenance on (idempotent) and off, then the rate limit raised. */
async function flipTheSwitches(
  local: LocalCluster,
  { operate, gateway }: ReturnType<typeof clusterActs>,
): Promise<void> {
  const on = await operate({
    operation: "maintenance",
    value: "on",
    reason: "Firestore incident: writes off",
  });
  const write = await fetch(`${gateway}/api/orders`, { method: "POST" });
  console.log(
    `    ✓ garde maintenance on: ${on.outcome?.before} → ${on.outcome?.after}, rolled out; POST /api/orders → ${write.status}`,
  );
  const again = await operate({ operation: "maintenance", value: "on", reason: "double-check" });
  console.log(
    `    ✓ garde maintenance on again: ${again.outcome?.changed ? "CHANGED!" : "already on, no rollout"}`,
  );
  const off = await operate({ operation: "maintenance", value: "off", reason: "Firestore back" });
  console.log(`    ✓ garde maintenance off: ${off.outcome?.before} → ${off.outcome?.after}`);

  const limit = await operate({
    operation: "rate-limit",
    value: "100",
    reason: "credential stuffing from 3 ASNs",
  });
  const limited = (await fetch(gateway)).headers.get("x-ratelimit-limit");
  console.log(
    `    ✓ garde rate-limit 100: ${limit.outcome?.object} ${limit.outcome?.before} → ${limit.outcome?.after}, pods restarted; the gateway answers x-ratelimit-limit: ${limited}`,
  );
  console.log(`      undo: ${limit.outcome?.undo}`);
  console.log(`    $ kubectl get deploy,rs,pods -n ${TENANTS.namespace}`);
  console.log(kubectlGet(local, "apps", "deployments"));
  console.log(kubectlGet(local, "apps", "replicasets"));
  console.log(kubectlGet(local, "", "pods"));
}
