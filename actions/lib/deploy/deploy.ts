import { CheckFailedError, errorMessage } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { SUPERSEDED } from "../rollback/known-good.ts";
import type { GateVerdict, PromotionGate } from "../smoke/gate.ts";
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
 * (production) lease, promote → record the outcome → (hotfix) back-merge. Once the GitHub record
 * exists, a failure anywhere marks it failed before it is rethrown, unless the build already
 * serves its environment.
 */
export async function deploy(request: DeployRequest, deps: DeployDeps): Promise<DeployResult> {
  const { plan } = request;
  const { clock } = deps;
  const t0 = clock.now();
  const build = await createAndRecord(request, deps);

  // Once the build serves its environment (alias moved, promoted), a later failure is not the
  // build's: the record must not say failed while users get it.
  let visible = false;
  try {
    await deps.github.setStatus(build.recordId, "in_progress", {
      description: `Building ${build.id}`,
      logUrl: request.logUrl,
    });
    const t1 = clock.now();
    const ready = await waitReady(deps.target, build.id, {
      timeoutMs: request.readyTimeoutMs,
      pollIntervalMs: request.pollIntervalMs,
      clock,
      reporter: deps.reporter,
    });
    const t2 = clock.now();
    const verdict = await checkBeforeVisible(ready, plan, deps);
    const t3 = clock.now();
    const release = await makeVisible(ready, build.recordId, request, deps);
    const t4 = clock.now();
    // A preview (or staging without an alias) is in use at its own URL once checked.
    visible = plan.environment !== "production" || release.promoted;
    const recordPending = await recordOutcome(ready, build.recordId, release, visible, request, deps);
    const backMergeUrl = release.promoted ? await backMergeHotfix(plan, ready.id, deps) : null;
    return {
      environment: plan.environment,
      plan,
      deploymentId: ready.id,
      url: ready.url,
      ...release,
      githubDeploymentId: build.recordId,
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
    if (!visible) await recordFailure(build.recordId, errorMessage(err), request, deps);
    throw err;
  }
}

/** The build and its GitHub record, as `createAndRecord` leaves them. */
interface RecordedBuild {
  /** The target's deployment id. */
  id: string;
  url: string;
  /** The GitHub deployment's id. */
  recordId: number;
}

/**
 * Creates the build, then its GitHub record. The build comes first, so its id is on the record
 * from the start: later runs (rollback) map production builds to their records through it.
 */
async function createAndRecord(request: DeployRequest, deps: DeployDeps): Promise<RecordedBuild> {
  const { plan, sha } = request;
  const { target, github, reporter } = deps;
  // The record lookup goes out while the build is created.
  const existing = github.lookup(sha, plan.environment);
  existing.catch(() => undefined); // awaited by ensure; a failure surfaces there
  const created = await target.create({
    sha,
    branch: plan.branch,
    environment: plan.environment,
    staged: plan.staged,
    meta: { gardeRule: plan.rule, ...(plan.version ? { gardeVersion: plan.version } : {}) },
  });
  reporter.info(`Created ${plan.environment} deployment ${created.id}: ${created.url}`);
  if (deps.progress) Object.assign(deps.progress, { deploymentId: created.id, url: created.url });
  const recordId = await github.ensure(
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
  if (deps.progress) deps.progress.githubDeploymentId = recordId;
  return { id: created.id, url: created.url, recordId };
}

/** Marks the record failed; a failure to do so is warned about, never hides the deploy's own error. */
async function recordFailure(
  recordId: number,
  message: string,
  request: DeployRequest,
  deps: Pick<DeployDeps, "github" | "reporter">,
): Promise<void> {
  await deps.github
    .setStatus(recordId, "failure", { description: message, logUrl: request.logUrl })
    .catch((err) =>
      deps.reporter.warn(`Could not mark GitHub deployment ${recordId} failed: ${errorMessage(err)}`),
    );
}

/** Checks gate everything that makes a build visible: the staging alias and production. */
async function checkBeforeVisible(
  ready: TargetDeployment,
  plan: DeployPlan,
  deps: Pick<DeployDeps, "gate" | "reporter">,
): Promise<GateVerdict> {
  const verdict = await deps.gate(ready.url);
  deps.reporter.info(`Checks on ${ready.url}: ${verdict.summary}`);
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
  return verdict;
}

/** What users of the environment get once the build is released. */
interface Release {
  /** The URL users of the environment reach. */
  environmentUrl: string;
  previousDeploymentId: string | null;
  promoted: boolean;
  /** The newer commit production serves, when this build was not promoted over it. */
  superseded: string | null;
}

/** Staging takes its alias, production is promoted; a preview is used at its own URL. */
async function makeVisible(
  ready: TargetDeployment,
  recordId: number,
  request: DeployRequest,
  deps: DeployDeps,
): Promise<Release> {
  const environment = request.plan.environment;
  if (environment === "production") return promoteToProduction(ready, recordId, request, deps);
  if (environment === "staging" && request.stagingAlias) {
    const { previousDeploymentId } = await deps.target.assignAlias(ready.id, request.stagingAlias);
    deps.reporter.info(`Staging alias ${request.stagingAlias} now serves ${ready.id}`);
    const environmentUrl = `https://${request.stagingAlias}`;
    return { environmentUrl, previousDeploymentId, promoted: false, superseded: null };
  }
  return { environmentUrl: ready.url, previousDeploymentId: null, promoted: false, superseded: null };
}

/**
 * Takes the production lease, repairs a record an earlier run left pending, then promotes, unless
 * production already serves a newer commit.
 */
async function promoteToProduction(
  ready: TargetDeployment,
  recordId: number,
  request: DeployRequest,
  deps: DeployDeps,
): Promise<Release> {
  const { target, github, clock, reporter } = deps;
  // One promotion at a time per environment; inside the lease, what is live is what we replace.
  await acquireLease({
    github,
    environment: request.plan.environment,
    recordId,
    holder: ready.id,
    clock,
    reporter,
    pollMs: Math.max(request.pollIntervalMs, 1_000),
    finished: async (holder) => (await target.currentProduction())?.id === holder,
  });
  // A run that ended with its record pending left the live build's record behind: repair it first.
  await reconcileBeforePromote({ target, github, reporter, productionUrl: request.productionUrl });
  const live = await target.currentProduction();
  const previousDeploymentId = live && live.id !== ready.id ? live.id : null;
  const superseded = live && live.id !== ready.id ? await newerCommitLive(live, request.sha, deps) : null;
  if (superseded) {
    reporter.warn(
      `Production serves ${live?.id}, built from ${superseded.slice(0, 12)}, which already contains ${request.sha.slice(0, 12)}: ${ready.id} was not promoted over it`,
    );
    return { environmentUrl: ready.url, previousDeploymentId, promoted: false, superseded };
  }
  await promoteOrFindPromoted(ready.id, deps);
  reporter.info(
    `Promoted ${ready.id} to production${previousDeploymentId ? ` (was ${previousDeploymentId})` : ""}`,
  );
  const environmentUrl = request.productionUrl ?? ready.url;
  return { environmentUrl, previousDeploymentId, promoted: true, superseded: null };
}

/**
 * Marks the record success (or inactive, superseded). When the build already serves its
 * environment, a failure to record is not the deploy's: it returns why, "record pending", and the
 * next deploy or `garde deploy --reconcile` repairs it. null when recorded.
 */
async function recordOutcome(
  ready: TargetDeployment,
  recordId: number,
  release: Release,
  visible: boolean,
  request: DeployRequest,
  deps: Pick<DeployDeps, "github" | "reporter">,
): Promise<string | null> {
  const { sha, logUrl } = request;
  try {
    if (release.superseded) {
      await deps.github.setStatus(recordId, "inactive", {
        description: `${SUPERSEDED}: production serves ${release.superseded.slice(0, 12)}, newer than ${sha.slice(0, 12)}`,
        logUrl,
      });
    } else {
      await deps.github.setStatus(recordId, "success", {
        environmentUrl: release.environmentUrl,
        description: release.promoted ? `Promoted ${ready.id}` : `Ready: ${ready.id}`,
        logUrl,
      });
    }
    return null;
  } catch (err) {
    if (!visible) throw err;
    const recordPending = errorMessage(err);
    deps.reporter.warn(
      `Deployed, record pending: ${ready.id} serves ${request.plan.environment}, but GitHub deployment ${recordId} could not be marked success (${recordPending}). The next deploy, or garde deploy --reconcile, repairs it.`,
    );
    return recordPending;
  }
}

/** A hotfix in production goes back into develop, or the next release would undo it. */
async function backMergeHotfix(
  plan: DeployPlan,
  deploymentId: string,
  deps: Pick<DeployDeps, "github" | "reporter">,
): Promise<string | null> {
  if (!plan.backMergeInto) return null;
  const backMergeUrl = await deps.github.ensureBackMerge(
    plan.branch,
    plan.backMergeInto,
    `Back-merge hotfix ${plan.version ?? plan.branch} into ${plan.backMergeInto}`,
    `Hotfix ${plan.version ?? plan.branch} is in production (${deploymentId}).${plan.reason ? `\n\nReason: ${plan.reason}` : ""}\n\nOpened by garde.`,
  );
  deps.reporter.info(
    backMergeUrl
      ? `Back-merge pull request: ${backMergeUrl}`
      : `${plan.backMergeInto} already has every commit of ${plan.branch}: no back-merge needed`,
  );
  return backMergeUrl;
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
