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
  const { target, github, clock, reporter } = deps;
  const timeline = new Timeline(clock, reporter);
  const history = new ProductionHistory(github);
  const severity: Severity = request.trigger === "auto" ? "P1" : "P2";
  const live = await target.currentProduction();
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
  const page = async (incident: Omit<Incident, "environment" | "timeline" | "links">) => {
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

  // 1. Resume an unfinished rollback before deciding anything new.
  const unfinished = await history.unfinishedRollback();
  let toRecord: ProductionRecord | undefined;
  if (unfinished) {
    outcome.from = unfinished.from.record.targetDeploymentId;
    toRecord = await history.recordOf(unfinished.to);
    timeline.add(`Resuming the rollback from ${outcome.from} to ${unfinished.to} that an earlier run began`);
    outcome.to = unfinished.to;
  } else {
    const from = outcome.from;
    if (request.to === "known-good") {
      toRecord = (await history.knownGoodForRollback(from ? [from] : []))?.record;
      if (!toRecord) {
        const message = noKnownGoodMessage(from ?? "nothing", request.reason);
        timeline.add(message);
        await page({
          severity: "P1",
          title: `P1: production failing, no known-good deployment to roll back to`,
          summary: message,
        });
        throw new RollbackFailedError(message, { ...outcome, severity: "P1" });
      }
    } else if (request.to === "previous") {
      toRecord = from ? await history.previous(from) : undefined;
      if (!toRecord)
        throw new CheckFailedError(
          `No earlier production deployment than ${from ?? "(none)"} is recorded on GitHub; give to: <deployment id>`,
        );
    } else {
      toRecord = await history.recordOf(request.to);
      // Only "no such deployment" is the caller's mistake; an outage is the vendor's, exit 1 with its error.
      const candidate = await target.get(request.to).catch((err: unknown) => {
        if (InputError.is(err) || (PlatformError.is(err) && err.status === 404)) return null;
        throw err;
      });
      if (candidate?.target !== "production" || candidate.state !== "READY") {
        throw new InputError(
          "to",
          `to: ${request.to} is not a READY production deployment of this project; give a dpl_… id from the deployments list, or previous`,
        );
      }
    }
    // A build made before the last rotation holds secrets since revoked: never restore it as is.
    if (toRecord && (await history.staleSecrets(toRecord))) {
      const stale = toRecord.record.targetDeploymentId as string;
      const fresh = await history.freshBuildOf(toRecord.record.sha, from ? [from] : []);
      if (fresh) {
        toRecord = fresh;
        timeline.add(
          `${stale} was built before the last key rotation; ${fresh.record.targetDeploymentId}, the same commit built with today's secrets, is restored instead`,
        );
      } else {
        timeline.add(
          `${stale} was built before the last key rotation (its secrets are revoked): rebuilding commit ${toRecord.record.sha.slice(0, 12)} with today's secrets`,
        );
        toRecord = await rebuildWithTodaysSecrets(toRecord, request.reason, deps, page, outcome);
        outcome.rebuiltFrom = stale;
        timeline.add(
          `Rebuilt ${stale}'s commit as ${toRecord.record.targetDeploymentId}; it passed its checks`,
        );
      }
    }
    outcome.to = toRecord?.record.targetDeploymentId ?? request.to;
  }
  const to = outcome.to as string;
  const from = outcome.from;
  if (from === to && !unfinished) {
    throw new InputError("to", `Production already serves ${to}: nothing to roll back to`);
  }

  // 2. Record the intent on the release being left, then move production.
  const fromRecord = from ? await history.recordOf(from) : undefined;
  if (fromRecord && !unfinished) {
    await github.setStatus(fromRecord.record.id, "failure", {
      description: rolledBackDescription(from as string, to, request.reason),
    });
  }
  timeline.add(
    `${request.trigger === "auto" ? "Automatic" : "Manual"} rollback of production from ${from ?? "nothing"} to ${to}: ${request.reason}`,
  );
  try {
    // A rebuild never served production: it is promoted; an earlier production build is rolled back to.
    if (toRecord && isRollbackRebuild(toRecord.record)) await target.promote(to);
    else await target.rollback(to);
  } catch (err) {
    const message = `P1: production rollback from ${from} to ${to} FAILED: ${errorMessage(err)}. Production may still serve the bad release: roll back by hand in the Vercel dashboard (Instant Rollback) and rerun this workflow.`;
    timeline.add(message);
    await page({
      severity: "P1",
      title: `P1: production rollback from ${from} to ${to} failed`,
      summary: message,
    });
    throw new RollbackFailedError(message, { ...outcome, severity: "P1" });
  }
  outcome.restoredAfterMs = clock.now() - started;
  timeline.add(
    `Production serves ${to} again (${(outcome.restoredAfterMs / 1000).toFixed(1)} s after the run began)`,
  );

  // 3. Verify the restored build, then record it.
  const restored: TargetDeployment = await target.get(to);
  const checkUrl = deps.productionUrl ?? restored.url;
  const verdict = await deps.verify(checkUrl);
  outcome.verification = verdict.report;
  timeline.add(`Checks on ${checkUrl} after the rollback: ${verdict.summary}`);
  if (toRecord) {
    await github.setStatus(toRecord.record.id, verdict.passed ? "success" : "failure", {
      description: verdict.passed
        ? restoredDescription(to, from)
        : `${restoredDescription(to, from)}, then failed its checks`,
      environmentUrl: checkUrl,
    });
  }
  if (!verdict.passed) {
    const message = `P1: production was rolled back from ${from} to ${to}, but ${to} fails its checks too: ${verdict.summary}`;
    await page({
      severity: "P1",
      title: `P1: production rolled back from ${from} to ${to}, still failing`,
      summary: message,
    });
    throw new RollbackFailedError(message, { ...outcome, severity: "P1" });
  }
  await page({
    severity,
    title: `${severity}: production rolled back from ${from} to ${to}`,
    summary: `${request.trigger === "auto" ? "garde detected a failing release and" : "A release manager"} rolled production back from ${from} to ${to}. Reason: ${request.reason}. The restored build passes its checks.`,
  });
  return outcome;
}

/**
 * Builds `source`'s commit again as a staged production deployment, so it takes the project's
 * variables of today, and checks it; production does not move here. A rebuild an earlier run
 * left (recorded, not failed) is reused rather than built twice.
 */
async function rebuildWithTodaysSecrets(
  source: ProductionRecord,
  reason: string,
  deps: RollbackDeps,
  page: (incident: Omit<Incident, "environment" | "timeline" | "links">) => Promise<void>,
  outcome: RollbackOutcome,
): Promise<ProductionRecord> {
  const { target, github, clock, reporter } = deps;
  const history = new ProductionHistory(github);
  const sourceId = source.record.targetDeploymentId as string;
  const sha = source.record.sha;
  const earlier = (await history.records()).find(
    (r) =>
      isRollbackRebuild(r.record) &&
      r.record.payload.rebuildOf === sourceId &&
      r.statuses[0]?.state !== "failure",
  );
  let id: string;
  let url: string;
  let recordId: number;
  if (earlier && !(await history.staleSecrets(earlier))) {
    id = earlier.record.targetDeploymentId as string;
    url = typeof earlier.record.payload.url === "string" ? earlier.record.payload.url : "";
    recordId = earlier.record.id;
    reporter.info(`Reusing ${id}, the rebuild of ${sourceId} an earlier run began`);
  } else {
    const staged = await target.create({
      sha,
      branch: "main",
      environment: "production",
      staged: true,
      meta: { gardeRollbackRebuild: sourceId },
    });
    id = staged.id;
    url = staged.url;
    recordId = await github.ensure({
      sha,
      environment: "production",
      description: `garde: rollback rebuild of ${sourceId} with today's secrets`,
      targetDeploymentId: id,
      payload: rollbackRebuildPayload({ rebuildOf: sourceId, reason, platform: target.platform, url }),
    });
  }
  const fail = async (why: string): Promise<never> => {
    const message = `P1: production (${outcome.from}) was not rolled back: ${sourceId} holds revoked secrets and its commit rebuilt with today's (${id}) ${why}`;
    await github.setStatus(recordId, "failure", { description: message }).catch(() => undefined);
    await page({
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
