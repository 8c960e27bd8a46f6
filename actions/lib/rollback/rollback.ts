import type { GitHubDeployments } from "../deploy/github-deployments.ts";
import { waitReady } from "../deploy/wait-ready.ts";
import { CheckFailedError, errorMessage, InputError, PlatformError } from "../errors.ts";
import type { Incident, Notification, Notifier, Severity, TimelineEntry } from "../notify/incident.ts";
import { notifyAll } from "../notify/incident.ts";
import type { Clock, Reporter } from "../reporter.ts";
import type { GateVerdict } from "../smoke/gate.ts";
import type { SmokeReport } from "../smoke/report.ts";
import type { DeployTarget, TargetDeployment } from "../targets/target.ts";
import {
  isRollbackRebuild,
  knownGoodDescription,
  ProductionHistory,
  type ProductionRecord,
  ROLLBACK_REBUILD,
  restoredDescription,
  rollbackRebuildPayload,
  rolledBackDescription,
} from "./known-good.ts";
import type { WatchVerdict } from "./watch.ts";

export interface RollbackDeps {
  target: DeployTarget;
  github: GitHubDeployments;
  /** Checks a URL: the watch's rounds and the verification after a restore. */
  verify: (url: string) => Promise<GateVerdict>;
  /** Watches a live release through its window. */
  watch: (url: string) => Promise<WatchVerdict>;
  notifiers: readonly Notifier[];
  clock: Clock;
  reporter: Reporter;
  /** Public production URL, checked after a restore when set. */
  productionUrl?: string | undefined;
  /** Link to the run, in notifications. */
  runUrl?: string | undefined;
  /** A rebuild with today's secrets (when the target holds revoked ones): build time allowed, and polling. */
  readyTimeoutMs?: number | undefined;
  pollIntervalMs?: number | undefined;
}

export type Outcome = "known-good" | "rolled-back" | "not-live";

export interface RollbackOutcome {
  outcome: Outcome;
  severity: Severity | null;
  from: string | null;
  to: string | null;
  /** When the build chosen held secrets a rotation replaced: that build; `to` is its commit rebuilt today. */
  rebuiltFrom: string | null;
  reason: string | null;
  watch: WatchVerdict | null;
  verification: SmokeReport | null;
  timeline: TimelineEntry[];
  notifications: Notification[];
  /** From the start of this run to production serving the restored build. */
  restoredAfterMs: number | null;
}

/** Thrown after the page went out, so the door only sets the exit code. */
export class RollbackFailedError extends CheckFailedError {
  readonly outcome: RollbackOutcome;
  constructor(message: string, outcome: RollbackOutcome) {
    super(message);
    this.outcome = outcome;
  }
}

class Timeline {
  readonly entries: TimelineEntry[] = [];
  private readonly clock: Clock;
  private readonly reporter: Reporter;
  constructor(clock: Clock, reporter: Reporter) {
    this.clock = clock;
    this.reporter = reporter;
  }
  add(event: string): void {
    this.entries.push({ at: new Date(this.clock.now()).toISOString(), event });
    this.reporter.info(event);
  }
}

function noKnownGoodMessage(live: string, why: string): string {
  return (
    `P1: production (${live}) is failing and garde has no known-good deployment to roll back to, so it changed nothing. ` +
    `Why: ${why}. Next: run the rollback workflow with to: <deployment id> of a build you trust, ` +
    "or redeploy a good commit to main."
  );
}

export interface RollbackRequest {
  /** "known-good" (auto), "previous" (the build before), or a deployment id. */
  to: string;
  /** The release rolled back from; default: what production serves now. */
  from?: string | undefined;
  reason: string;
  trigger: "auto" | "manual";
}

/** Pages on-call (and the other notifiers) with the run's timeline and link. */
type Pager = (incident: Omit<Incident, "environment" | "timeline" | "links">) => Promise<void>;

/** What every step of one rollback shares: what was asked, what happened so far, how to page. */
interface RollbackRun {
  request: RollbackRequest;
  deps: RollbackDeps;
  history: ProductionHistory;
  timeline: Timeline;
  /** Filled in step by step; a failure hands it, as it stands, to RollbackFailedError. */
  outcome: RollbackOutcome;
  /** P1 when garde rolls back on its own (production is failing), P2 when a person asks. */
  severity: Severity;
  page: Pager;
}

/** The rollback decided on: the build production moves to, and its record when GitHub has one. */
interface RollbackTarget {
  from: string | null;
  to: string;
  toRecord: ProductionRecord | undefined;
  /** An earlier run recorded this rollback's intent and did not finish it. */
  resumed: boolean;
}

/**
 * Puts production back on an earlier build, idempotently. The intent is written on the bad
 * release's GitHub record before anything moves, so a run killed at any step and run again
 * resumes the same rollback instead of starting another.
 */
export async function rollBack(
  request: RollbackRequest,
  deps: RollbackDeps,
  started = deps.clock.now(),
): Promise<RollbackOutcome> {
  const run = await startRun(request, deps);
  // 1. Resume an unfinished rollback before deciding anything new.
  const rollback = (await resumeUnfinished(run)) ?? (await chooseTarget(run));
  if (rollback.from === rollback.to && !rollback.resumed) {
    throw new InputError("to", `Production already serves ${rollback.to}: nothing to roll back to`);
  }
  // 2. Record the intent on the release being left, then move production.
  await recordIntent(run, rollback);
  await moveProduction(run, rollback, started);
  // 3. Verify the restored build, then record it.
  await verifyAndRecord(run, rollback);
  await pageRestored(run, rollback);
  return run.outcome;
}

/** The outcome as it stands before anything is decided, and the pager that sends the timeline. */
async function startRun(request: RollbackRequest, deps: RollbackDeps): Promise<RollbackRun> {
  const timeline = new Timeline(deps.clock, deps.reporter);
  const severity: Severity = request.trigger === "auto" ? "P1" : "P2";
  const live = await deps.target.currentProduction();
  const outcome: RollbackOutcome = {
    outcome: "rolled-back",
    severity,
    from: request.from ?? live?.id ?? null,
    to: null,
    rebuiltFrom: null,
    reason: request.reason,
    watch: null,
    verification: null,
    timeline: timeline.entries,
    notifications: [],
    restoredAfterMs: null,
  };
  const page: Pager = async (incident) => {
    outcome.notifications = await notifyAll(
      {
        ...incident,
        environment: "production",
        timeline: timeline.entries,
        links: deps.runUrl ? [{ label: "run", url: deps.runUrl }] : [],
      },
      deps.notifiers,
    );
  };
  return { request, deps, history: new ProductionHistory(deps.github), timeline, outcome, severity, page };
}

/** The rollback an earlier run recorded and did not finish, when there is one. */
async function resumeUnfinished(run: RollbackRun): Promise<RollbackTarget | undefined> {
  const unfinished = await run.history.unfinishedRollback();
  if (!unfinished) return undefined;
  const from = unfinished.from.record.targetDeploymentId;
  run.outcome.from = from;
  const toRecord = await run.history.recordOf(unfinished.to);
  run.timeline.add(`Resuming the rollback from ${from} to ${unfinished.to} that an earlier run began`);
  run.outcome.to = unfinished.to;
  return { from, to: unfinished.to, toRecord, resumed: true };
}

/**
 * The build asked for (known-good, previous, or a deployment id); when it was built before the
 * last key rotation, the same commit built with today's secrets instead.
 */
async function chooseTarget(run: RollbackRun): Promise<RollbackTarget> {
  const { request } = run;
  const from = run.outcome.from;
  let toRecord =
    request.to === "known-good"
      ? await knownGoodTarget(run, from)
      : request.to === "previous"
        ? await previousTarget(run, from)
        : await explicitTarget(run, request.to);
  if (toRecord) toRecord = await withTodaysSecrets(run, toRecord, from);
  const to = toRecord?.record.targetDeploymentId ?? request.to;
  run.outcome.to = to;
  return { from, to, toRecord, resumed: false };
}

/** The last known-good build; with none, production stays as it is and on-call is paged (P1). */
async function knownGoodTarget(run: RollbackRun, from: string | null): Promise<ProductionRecord> {
  const toRecord = (await run.history.knownGoodForRollback(from ? [from] : []))?.record;
  if (toRecord) return toRecord;
  const message = noKnownGoodMessage(from ?? "nothing", run.request.reason);
  run.timeline.add(message);
  await run.page({
    severity: "P1",
    title: `P1: production failing, no known-good deployment to roll back to`,
    summary: message,
  });
  throw new RollbackFailedError(message, { ...run.outcome, severity: "P1" });
}

/** The production build recorded before `from`. */
async function previousTarget(run: RollbackRun, from: string | null): Promise<ProductionRecord> {
  const toRecord = from ? await run.history.previous(from) : undefined;
  if (!toRecord)
    throw new CheckFailedError(
      `No earlier production deployment than ${from ?? "(none)"} is recorded on GitHub; give to: <deployment id>`,
    );
  return toRecord;
}

/** A deployment id given by hand: it must be a READY production build of this project. */
async function explicitTarget(run: RollbackRun, id: string): Promise<ProductionRecord | undefined> {
  const toRecord = await run.history.recordOf(id);
  // Only "no such deployment" is the caller's mistake; an outage is the vendor's, exit 1 with its error.
  const candidate = await run.deps.target.get(id).catch((err: unknown) => {
    if (InputError.is(err) || (PlatformError.is(err) && err.status === 404)) return null;
    throw err;
  });
  if (candidate?.target !== "production" || candidate.state !== "READY") {
    throw new InputError(
      "to",
      `to: ${id} is not a READY production deployment of this project; give a dpl_… id from the deployments list, or previous`,
    );
  }
  return toRecord;
}

/**
 * A build made before the last rotation holds secrets since revoked: never restore it as is.
 * Its commit built since with today's secrets is taken instead, or is rebuilt now.
 */
async function withTodaysSecrets(
  run: RollbackRun,
  toRecord: ProductionRecord,
  from: string | null,
): Promise<ProductionRecord> {
  const { history, timeline } = run;
  if (!(await history.staleSecrets(toRecord))) return toRecord;
  const stale = toRecord.record.targetDeploymentId as string;
  const fresh = await history.freshBuildOf(toRecord.record.sha, from ? [from] : []);
  if (fresh) {
    timeline.add(
      `${stale} was built before the last key rotation; ${fresh.record.targetDeploymentId}, the same commit built with today's secrets, is restored instead`,
    );
    return fresh;
  }
  timeline.add(
    `${stale} was built before the last key rotation (its secrets are revoked): rebuilding commit ${toRecord.record.sha.slice(0, 12)} with today's secrets`,
  );
  const rebuilt = await rebuildWithTodaysSecrets(run, toRecord);
  run.outcome.rebuiltFrom = stale;
  timeline.add(`Rebuilt ${stale}'s commit as ${rebuilt.record.targetDeploymentId}; it passed its checks`);
  return rebuilt;
}

/**
 * Marks the release being left "rolled back" before production moves, so a rerun resumes this
 * rollback. A resumed rollback's intent is already there.
 */
async function recordIntent(run: RollbackRun, { from, to, resumed }: RollbackTarget): Promise<void> {
  const { request } = run;
  const fromRecord = from ? await run.history.recordOf(from) : undefined;
  if (fromRecord && !resumed) {
    await run.deps.github.setStatus(fromRecord.record.id, "failure", {
      description: rolledBackDescription(from as string, to, request.reason),
    });
  }
  run.timeline.add(
    `${request.trigger === "auto" ? "Automatic" : "Manual"} rollback of production from ${from ?? "nothing"} to ${to}: ${request.reason}`,
  );
}

/** Moves production to the target; when the platform refuses, pages P1 with the manual way. */
async function moveProduction(
  run: RollbackRun,
  { from, to, toRecord }: RollbackTarget,
  started: number,
): Promise<void> {
  const { target, clock } = run.deps;
  try {
    // A rebuild never served production: it is promoted; an earlier production build is rolled back to.
    if (toRecord && isRollbackRebuild(toRecord.record)) await target.promote(to);
    else await target.rollback(to);
  } catch (err) {
    const message = `P1: production rollback from ${from} to ${to} FAILED: ${errorMessage(err)}. Production may still serve the bad release: roll back by hand in the Vercel dashboard (Instant Rollback) and rerun this workflow.`;
    run.timeline.add(message);
    await run.page({
      severity: "P1",
      title: `P1: production rollback from ${from} to ${to} failed`,
      summary: message,
    });
    throw new RollbackFailedError(message, { ...run.outcome, severity: "P1" });
  }
  run.outcome.restoredAfterMs = clock.now() - started;
  run.timeline.add(
    `Production serves ${to} again (${(run.outcome.restoredAfterMs / 1000).toFixed(1)} s after the run began)`,
  );
}

/**
 * Checks production on the restored build and records the result on its GitHub record; when it
 * fails too, pages P1 (production is still broken).
 */
async function verifyAndRecord(run: RollbackRun, { from, to, toRecord }: RollbackTarget): Promise<void> {
  const { deps, outcome } = run;
  const restored: TargetDeployment = await deps.target.get(to);
  const checkUrl = deps.productionUrl ?? restored.url;
  const verdict = await deps.verify(checkUrl);
  outcome.verification = verdict.report;
  run.timeline.add(`Checks on ${checkUrl} after the rollback: ${verdict.summary}`);
  if (toRecord) {
    await deps.github.setStatus(toRecord.record.id, verdict.passed ? "success" : "failure", {
      description: verdict.passed
        ? restoredDescription(to, from)
        : `${restoredDescription(to, from)}, then failed its checks`,
      environmentUrl: checkUrl,
    });
  }
  if (!verdict.passed) {
    const message = `P1: production was rolled back from ${from} to ${to}, but ${to} fails its checks too: ${verdict.summary}`;
    await run.page({
      severity: "P1",
      title: `P1: production rolled back from ${from} to ${to}, still failing`,
      summary: message,
    });
    throw new RollbackFailedError(message, { ...outcome, severity: "P1" });
  }
}

/** Tells on-call production is restored: P1 when garde rolled back on its own, P2 by hand. */
async function pageRestored(run: RollbackRun, { from, to }: RollbackTarget): Promise<void> {
  const { request, severity } = run;
  await run.page({
    severity,
    title: `${severity}: production rolled back from ${from} to ${to}`,
    summary: `${request.trigger === "auto" ? "garde detected a failing release and" : "A release manager"} rolled production back from ${from} to ${to}. Reason: ${request.reason}. The restored build passes its checks.`,
  });
}

/**
 * Builds `source`'s commit again as a staged production deployment, so it takes the project's
 * variables of today, and checks it; production does not move here. A rebuild an earlier run
 * left (recorded, not failed) is reused rather than built twice.
 */
async function rebuildWithTodaysSecrets(
  run: RollbackRun,
  source: ProductionRecord,
): Promise<ProductionRecord> {
  const { deps, outcome } = run;
  const { target, github, clock, reporter } = deps;
  const sourceId = source.record.targetDeploymentId as string;
  const sha = source.record.sha;
  const { id, recordId } = await reuseOrStartRebuild(source, run.request.reason, deps);
  const fail = async (why: string): Promise<never> => {
    const message = `P1: production (${outcome.from}) was not rolled back: ${sourceId} holds revoked secrets and its commit rebuilt with today's (${id}) ${why}`;
    await github.setStatus(recordId, "failure", { description: message }).catch(() => undefined);
    await run.page({
      severity: "P1",
      title: `P1: production rollback from ${outcome.from} failed: the rebuild of ${sourceId} failed`,
      summary: message,
    });
    throw new RollbackFailedError(message, { ...outcome, severity: "P1" });
  };
  let ready: { url: string };
  try {
    ready = await waitReady(target, id, {
      timeoutMs: deps.readyTimeoutMs ?? 600_000,
      pollIntervalMs: deps.pollIntervalMs ?? 2_000,
      clock,
      reporter,
    });
  } catch (err) {
    return fail(`did not build: ${errorMessage(err)}`);
  }
  const verdict = await deps.verify(ready.url);
  if (!verdict.passed) return fail(`fails its checks: ${verdict.summary}`);
  const record = (await new ProductionHistory(github).recordOf(id)) ?? {
    record: {
      id: recordId,
      sha,
      environment: "production",
      createdAt: new Date(clock.now()).toISOString(),
      targetDeploymentId: id,
      payload: { rule: ROLLBACK_REBUILD, rebuildOf: sourceId },
    },
    statuses: [],
  };
  return record;
}

/** The rebuild of `source` an earlier run began (recorded, not failed, today's secrets), or a new one. */
async function reuseOrStartRebuild(
  source: ProductionRecord,
  reason: string,
  deps: RollbackDeps,
): Promise<{ id: string; recordId: number }> {
  const { target, github, reporter } = deps;
  const history = new ProductionHistory(github);
  const sourceId = source.record.targetDeploymentId as string;
  const sha = source.record.sha;
  const earlier = (await history.records()).find(
    (r) =>
      isRollbackRebuild(r.record) &&
      r.record.payload.rebuildOf === sourceId &&
      r.statuses[0]?.state !== "failure",
  );
  if (earlier && !(await history.staleSecrets(earlier))) {
    const id = earlier.record.targetDeploymentId as string;
    reporter.info(`Reusing ${id}, the rebuild of ${sourceId} an earlier run began`);
    return { id, recordId: earlier.record.id };
  }
  const staged = await target.create({
    sha,
    branch: "main",
    environment: "production",
    staged: true,
    meta: { gardeRollbackRebuild: sourceId },
  });
  const recordId = await github.ensure({
    sha,
    environment: "production",
    description: `garde: rollback rebuild of ${sourceId} with today's secrets`,
    targetDeploymentId: staged.id,
    payload: rollbackRebuildPayload({
      rebuildOf: sourceId,
      reason,
      platform: target.platform,
      url: staged.url,
    }),
  });
  return { id: staged.id, recordId };
}

/**
 * Auto mode, after a deploy: watch the live release through its window. Healthy → it becomes
 * known-good. Unhealthy → roll back to the last known-good and page.
 */
export async function guardRelease(
  release: string | undefined,
  deps: RollbackDeps,
): Promise<RollbackOutcome> {
  const started = deps.clock.now();
  const history = new ProductionHistory(deps.github);
  const unfinished = await history.unfinishedRollback();
  if (unfinished)
    return rollBack(
      { to: "known-good", reason: "resuming an interrupted rollback", trigger: "auto" },
      deps,
      started,
    );

  const live = await deps.target.currentProduction();
  const id = release ?? live?.id;
  const base: RollbackOutcome = {
    outcome: "not-live",
    severity: null,
    from: id ?? null,
    to: null,
    rebuiltFrom: null,
    reason: null,
    watch: null,
    verification: null,
    timeline: [],
    notifications: [],
    restoredAfterMs: null,
  };
  if (!id || live?.id !== id) {
    deps.reporter.info(
      `${id ?? "No release"} is not what production serves (${live?.id ?? "nothing"}): nothing to watch`,
    );
    return base;
  }
  const record = await history.recordOf(id);
  deps.reporter.info(`Watching ${id} at ${live.url}`);
  const verdict = await deps.watch(live.url);
  if (verdict.healthy) {
    const summary = `${verdict.rounds.length} rounds over ${(verdict.durationMs / 1000).toFixed(0)} s, all within the failure rule`;
    if (record) {
      await deps.github.setStatus(record.record.id, "success", {
        description: knownGoodDescription(`${id} (${summary})`),
        environmentUrl: deps.productionUrl ?? live.url,
      });
    }
    return { ...base, outcome: "known-good", watch: verdict, reason: summary };
  }
  const outcome = await rollBack(
    { to: "known-good", from: id, reason: verdict.reason ?? "checks failed", trigger: "auto" },
    deps,
    started,
  ).catch((err: unknown) => {
    if (err instanceof RollbackFailedError) err.outcome.watch = verdict;
    throw err;
  });
  return { ...outcome, watch: verdict };
}
