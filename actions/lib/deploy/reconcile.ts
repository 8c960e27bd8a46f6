import { errorMessage } from "../errors.ts";
import type { Reporter } from "../reporter.ts";
import { ROLLED_BACK } from "../rollback/known-good.ts";
import type { DeployTarget } from "../targets/target.ts";
import type { GitHubDeployments } from "./github-deployments.ts";

export interface ReconcileDeps {
  target: DeployTarget;
  github: GitHubDeployments;
  reporter: Reporter;
  /** Public production URL, recorded as the environment URL. */
  productionUrl?: string | undefined;
  logUrl?: string | undefined;
}

export interface ReconcileResult {
  /** What production serves, if anything. */
  live: string | null;
  /** Its GitHub deployment, once found or created. */
  githubDeploymentId: number | null;
  repaired: boolean;
  detail: string;
}

/** The description of a status reconcile writes: production serves the build, whatever the run that promoted it wrote last. */
export const RECONCILED = "garde reconciled";

/**
 * Makes the GitHub record agree with what production serves: the live build's deployment is
 * created if missing and marked success if its run ended before saying so (record pending, a
 * run killed after the promotion: no status, or one still in progress). A failure is a verdict
 * garde wrote on purpose (a rollback's intent, which `garde rollback` resumes; a restored build
 * that failed its checks) and is left alone.
 */
export async function reconcileProduction(deps: ReconcileDeps): Promise<ReconcileResult> {
  const { target, github } = deps;
  const live = await target.currentProduction();
  if (!live)
    return { live: null, githubDeploymentId: null, repaired: false, detail: "production serves nothing" };
  let id = (await github.list("production", 30)).find((r) => r.targetDeploymentId === live.id)?.id ?? null;
  if (id === null) {
    const sha = live.sha ?? (await target.get(live.id)).sha;
    if (!sha) {
      return {
        live: live.id,
        githubDeploymentId: null,
        repaired: false,
        detail: `${live.id} does not say which commit it was built from: it cannot be recorded`,
      };
    }
    id = await github.ensure({
      sha,
      environment: "production",
      description: `garde: ${live.id}, found serving production`,
      targetDeploymentId: live.id,
      payload: { rule: "reconcile", platform: target.platform, url: live.url },
    });
  }
  const latest = (await github.statuses(id))[0];
  if (latest?.state === "success") {
    return {
      live: live.id,
      githubDeploymentId: id,
      repaired: false,
      detail: "the record already says success",
    };
  }
  if (latest?.state === "failure") {
    return {
      live: live.id,
      githubDeploymentId: id,
      repaired: false,
      detail: latest.description.startsWith(ROLLED_BACK)
        ? `a rollback from ${live.id} is unfinished: run garde rollback to resume it`
        : `the record says failure (${latest.description}): left for a person to judge`,
    };
  }
  await github.setStatus(id, "success", {
    description: `${RECONCILED}: production serves ${live.id}`,
    environmentUrl: deps.productionUrl ?? live.url,
    logUrl: deps.logUrl,
  });
  const was = latest ? `${latest.state}: ${latest.description}` : "no status";
  deps.reporter.info(
    `Repaired GitHub deployment ${id}: production serves ${live.id} (the record said ${was})`,
  );
  return { live: live.id, githubDeploymentId: id, repaired: true, detail: `was ${was}` };
}

/** The same, for a deploy about to replace production: a failure only warns, the deploy goes on. */
export async function reconcileBeforePromote(deps: ReconcileDeps): Promise<void> {
  await reconcileProduction(deps).catch((err: unknown) =>
    deps.reporter.warn(`Could not check the live build's GitHub record: ${errorMessage(err)}`),
  );
}
