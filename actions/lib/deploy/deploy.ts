import { CheckFailedError, errorMessage } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { SUPERSEDED } from "../rollback/known-good.ts";
import type { PromotionGate } from "../smoke/gate.ts";
import type { SmokeReport } from "../smoke/report.ts";
import type { DeployTarget, TargetDeployment } from "../targets/target.ts";
import type { DeployPlan, Environment } from "./gitflow.ts";
import type { GitHubDeployments } from "./github-deployments.ts";
import { acquireLease } from "./lease.ts";
import { reconcileBeforePromote } from "./reconcile.ts";
import { waitReady } from "./wait-ready.ts";

export interface DeployRequest {
  plan: DeployPlan;
  sha: string;
  /** Stable domain for staging, pointed at each new staging build. */
  stagingAlias?: string | undefined;
  /** Public URL of production, recorded as the environment URL once promoted. */
  productionUrl?: string | undefined;
  readyTimeoutMs: number;
  pollIntervalMs: number;
  /** Link to the run, shown on the GitHub deployment. */
  logUrl?: string | undefined;
}

export interface DeployDeps {
  target: DeployTarget;
  github: GitHubDeployments;
  gate: PromotionGate;
  clock: Clock;
  reporter: Reporter;
  /** Filled in as the deploy goes, so a door can still link to the build when a later step fails. */
  progress?: DeployProgress;
}

/** What exists so far: a failed deploy still has a build to inspect and a GitHub record. */
export interface DeployProgress {
  deploymentId: string | null;
  url: string | null;
  githubDeploymentId: number | null;
}

export const emptyProgress = (): DeployProgress => ({
  deploymentId: null,
  url: null,
  githubDeploymentId: null,
});

export interface DeployTimings {
  createMs: number;
  buildMs: number;
  checkMs: number;
  promoteMs: number;
  totalMs: number;
}

export interface DeployResult {
  environment: Environment;
  plan: DeployPlan;
  deploymentId: string;
  /** URL of this deployment (its own, answering HTTP). */
  url: string;
  /** The URL users of the environment reach: the alias or production domain when known. */
  environmentUrl: string;
  previousDeploymentId: string | null;
  githubDeploymentId: number;
  promoted: boolean;
  /**
   * Production already served a newer commit (this one is its ancestor): this build was not
   * promoted over it. The newer commit's SHA; null otherwise.
   */
  superseded: string | null;
  /**
   * The build serves its environment, but its GitHub record could not be updated (after
   * retries): why. The next deploy, or `garde deploy --reconcile`, repairs it. null when recorded.
   */
  recordPending: string | null;
  gateSummary: string | null;
  /** The back-merge pull request of a hotfix, once production serves it. */
  backMergeUrl: string | null;
  /** The checks the deployment passed before it took its alias or production. */
  smoke: SmokeReport | null;
  timings: DeployTimings;
}

function describe(plan: DeployPlan): string {
  return [`garde: ${plan.rule}`, plan.version ? `v${plan.version}` : null, plan.reason]
    .filter(Boolean)
    .join(" · ");
}

/**
 * The commit production serves when it is newer than `sha` (contains it): promoting `sha` would
 * take production back in time. Commits that diverged (a hotfix beside main) are not ordered.
 */
async function newerCommitLive(
  live: TargetDeployment,
  sha: string,
  deps: Pick<DeployDeps, "target" | "github">,
): Promise<string | null> {
  const liveSha = live.sha ?? (await deps.target.get(live.id)).sha;
  if (!liveSha || liveSha === sha) return null;
  const compared = await deps.github.compareCommits(sha, liveSha);
  return compared.status === "ahead" ? liveSha : null;
}

/**
 * One release, start to finish: build → record → wait READY → check → (staging) alias →
 * (production) promote → record the outcome. Once the GitHub record exists, a failure
 * anywhere marks it failed before it is rethrown.
 */
export async function deploy(request: DeployRequest, deps: DeployDeps): Promise<DeployResult> {
  const { plan, sha } = request;
  const { target, github, clock, reporter } = deps;
  const t0 = clock.now();
  // The build comes first, so its id is on the GitHub record from the start: later runs (rollback)
  // map production builds to their records through it. The record lookup goes out meanwhile.
  const existing = github.lookup(sha, plan.environment);
  existing.catch(() => undefined); // awaited below; a failure surfaces there
  const created = await target.create({
    sha,
    branch: plan.branch,
    environment: plan.environment,
    staged: plan.staged,
    meta: { gardeRule: plan.rule, ...(plan.version ? { gardeVersion: plan.version } : {}) },
  });
  reporter.info(`Created ${plan.environment} deployment ${created.id}: ${created.url}`);
  if (deps.progress) Object.assign(deps.progress, { deploymentId: created.id, url: created.url });
  const ghId = await github.ensure(
    {
      sha,
      environment: plan.environment,
      description: describe(plan),
      targetDeploymentId: created.id,
      payload: {
        version: plan.version,
        rule: plan.rule,
        branch: plan.branch,
        reason: plan.reason,
        platform: target.platform,
        url: created.url,
      },
    },
    existing,
  );
  if (deps.progress) deps.progress.githubDeploymentId = ghId;
  const recordFailure = (message: string) =>
    github
      .setStatus(ghId, "failure", { description: message, logUrl: request.logUrl })
      .catch((err) => reporter.warn(`Could not mark GitHub deployment ${ghId} failed: ${errorMessage(err)}`));

  // Once the build serves its environment (alias moved, promoted), a later failure is not the
  // build's: the record must not say failed while users get it.
  let visible = false;
  try {
    await github.setStatus(ghId, "in_progress", {
      description: `Building ${created.id}`,
      logUrl: request.logUrl,
    });
    const t1 = clock.now();
    const ready = await waitReady(target, created.id, {
      timeoutMs: request.readyTimeoutMs,
      pollIntervalMs: request.pollIntervalMs,
      clock,
      reporter,
    });
    const t2 = clock.now();

    // Checks gate everything that makes a build visible: the staging alias and production.
    const verdict = await deps.gate(ready.url);
    const t3 = clock.now();
    reporter.info(`Checks on ${ready.url}: ${verdict.summary}`);
    if (!verdict.passed) {
      const held =
        plan.environment === "production"
          ? "was not promoted"
          : plan.environment === "staging"
            ? "did not take the staging alias"
            : "is not usable";
      throw new CheckFailedError(
        `Deployment ${ready.id} failed its checks and ${held}: ${verdict.summary}`,
        verdict.report,
      );
    }

    let previousDeploymentId: string | null = null;
    let environmentUrl = ready.url;
    let promoted = false;

    if (plan.environment === "staging" && request.stagingAlias) {
      ({ previousDeploymentId } = await target.assignAlias(ready.id, request.stagingAlias));
      visible = true;
      environmentUrl = `https://${request.stagingAlias}`;
      reporter.info(`Staging alias ${request.stagingAlias} now serves ${ready.id}`);
    }

    let superseded: string | null = null;
    if (plan.environment === "production") {
      // One promotion at a time per environment; inside the lease, what is live is what we replace.
      await acquireLease({
        github,
        environment: plan.environment,
        recordId: ghId,
        holder: ready.id,
        clock,
        reporter,
        pollMs: Math.max(request.pollIntervalMs, 1_000),
        finished: async (holder) => (await target.currentProduction())?.id === holder,
      });
      // A run that ended with its record pending left the live build's record behind: repair it first.
      await reconcileBeforePromote({ target, github, reporter, productionUrl: request.productionUrl });
      const live = await target.currentProduction();
      previousDeploymentId = live && live.id !== ready.id ? live.id : null;
      superseded = live && live.id !== ready.id ? await newerCommitLive(live, sha, deps) : null;
      if (superseded) {
        reporter.warn(
          `Production serves ${live?.id}, built from ${superseded.slice(0, 12)}, which already contains ${sha.slice(0, 12)}: ${ready.id} was not promoted over it`,
        );
      } else {
        await promoteOrFindPromoted(ready.id, deps);
        visible = true;
        promoted = true;
        environmentUrl = request.productionUrl ?? ready.url;
        reporter.info(
          `Promoted ${ready.id} to production${previousDeploymentId ? ` (was ${previousDeploymentId})` : ""}`,
        );
      }
    }
    const t4 = clock.now();
    // A preview (or staging without an alias) is in use at its own URL once checked.
    if (plan.environment !== "production") visible = true;

    let recordPending: string | null = null;
    try {
      if (superseded) {
        await github.setStatus(ghId, "inactive", {
          description: `${SUPERSEDED}: production serves ${superseded.slice(0, 12)}, newer than ${sha.slice(0, 12)}`,
          logUrl: request.logUrl,
        });
      } else {
        await github.setStatus(ghId, "success", {
          environmentUrl,
          description: promoted ? `Promoted ${ready.id}` : `Ready: ${ready.id}`,
          logUrl: request.logUrl,
        });
      }
    } catch (err) {
      if (!visible) throw err;
      recordPending = errorMessage(err);
      reporter.warn(
        `Deployed, record pending: ${ready.id} serves ${plan.environment}, but GitHub deployment ${ghId} could not be marked success (${recordPending}). The next deploy, or garde deploy --reconcile, repairs it.`,
      );
    }

    // A hotfix in production goes back into develop, or the next release would undo it.
    let backMergeUrl: string | null = null;
    if (promoted && plan.backMergeInto) {
      backMergeUrl = await github.ensureBackMerge(
        plan.branch,
        plan.backMergeInto,
        `Back-merge hotfix ${plan.version ?? plan.branch} into ${plan.backMergeInto}`,
        `Hotfix ${plan.version ?? plan.branch} is in production (${ready.id}).${plan.reason ? `\n\nReason: ${plan.reason}` : ""}\n\nOpened by garde.`,
      );
      reporter.info(
        backMergeUrl
          ? `Back-merge pull request: ${backMergeUrl}`
          : `${plan.backMergeInto} already has every commit of ${plan.branch}: no back-merge needed`,
      );
    }

    return {
      environment: plan.environment,
      plan,
      deploymentId: ready.id,
      url: ready.url,
      environmentUrl,
      previousDeploymentId,
      githubDeploymentId: ghId,
      promoted,
      superseded,
      recordPending,
      gateSummary: verdict.summary,
      backMergeUrl,
      smoke: verdict.report,
      timings: {
        createMs: t1 - t0,
        buildMs: t2 - t1,
        checkMs: t3 - t2,
        promoteMs: t4 - t3,
        totalMs: clock.now() - t0,
      },
    };
  } catch (err) {
    if (!visible) await recordFailure(errorMessage(err));
    throw err;
  }
}

/**
 * Promotes; when the promotion reports a failure (its last answer lost or damaged), reads
 * what production serves before believing it: a build that took production was promoted.
 */
async function promoteOrFindPromoted(id: string, deps: Pick<DeployDeps, "target" | "reporter" | "clock">) {
  try {
    await deps.target.promote(id);
  } catch (err) {
    // A promotion accepted before its answer was lost takes a moment to reach the domains.
    for (let read = 1; read <= 10; read++) {
      const live = await deps.target.currentProduction().catch(() => null);
      if (live?.id === id) {
        deps.reporter.warn(
          `Promoting ${id} reported a failure (${errorMessage(err)}), but production serves it`,
        );
        return;
      }
      if (read < 10) await deps.clock.sleep(1_000);
    }
    throw err;
  }
}
