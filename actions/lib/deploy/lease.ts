import { CheckFailedError } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import type { Environment } from "./gitflow.ts";
import type { DeploymentStatusRecord, GitHubDeployments } from "./github-deployments.ts";

/**
 * A lease on an environment, kept on the platform rather than the runner: an "in_progress"
 * status on the run's own GitHub deployment, whose description says who holds it and until
 * when. Any later status on that record (success, failure, inactive) ends it; a run that dies
 * holding it loses it when it expires. Written and parsed only here.
 */
export const LEASE = "garde lease";

export function leaseDescription(holder: string, until: number): string {
  return `${LEASE}: ${holder} until ${new Date(until).toISOString()}`;
}

interface ActiveLease {
  recordId: number;
  holder: string;
  until: number;
  /** When GitHub wrote it: of two leases taken at once, the older wins. */
  takenAt: string;
}

function activeLease(recordId: number, statuses: DeploymentStatusRecord[], now: number) {
  const latest = statuses[0];
  if (latest?.state !== "in_progress" || !latest.description.startsWith(`${LEASE}: `)) return null;
  const match = /^garde lease: (\S+) until (\S+)$/.exec(latest.description);
  const until = match?.[2] ? Date.parse(match[2]) : Number.NaN;
  if (!match?.[1] || Number.isNaN(until) || until <= now) return null;
  return { recordId, holder: match[1], until, takenAt: latest.createdAt };
}

const older = (a: ActiveLease, b: ActiveLease) =>
  a.takenAt < b.takenAt || (a.takenAt === b.takenAt && a.recordId < b.recordId);

export interface LeaseOptions {
  github: GitHubDeployments;
  environment: Environment;
  /** The run's own GitHub deployment, where its lease is written. */
  recordId: number;
  /** Who holds it, in messages: the build being promoted. */
  holder: string;
  clock: Clock;
  reporter: Reporter;
  /** How long a lease holds if its run dies (default 10 min). */
  ttlMs?: number;
  /** How long to wait for another run's lease before giving up (default: the ttl). */
  waitMs?: number;
  pollMs?: number;
  /** How many recent records to look at for other leases. */
  scan?: number;
  /**
   * Whether a holder's work is already done (its build serves production): its run could not
   * write the end of its lease (record pending), and nobody should wait for it to expire.
   */
  finished?: (holder: string) => Promise<boolean>;
}

/**
 * Takes the environment's lease, waiting while another run holds it. Two runs that write at
 * the same moment both see both leases; the younger steps back (a "queued" status) and waits.
 */
export async function acquireLease(opts: LeaseOptions): Promise<void> {
  const { github, clock, reporter } = opts;
  const ttlMs = opts.ttlMs ?? 600_000;
  const deadline = clock.now() + (opts.waitMs ?? ttlMs);
  const pollMs = opts.pollMs ?? 2_000;
  const others = async () => {
    const records = await github.list(opts.environment, opts.scan ?? 10);
    const leases = await Promise.all(
      records.map(async (r) => activeLease(r.id, await github.statuses(r.id), clock.now())),
    );
    const active: ActiveLease[] = [];
    for (const l of leases) {
      if (!l) continue;
      if (l.recordId !== opts.recordId && (await isFinished(l.holder))) continue;
      active.push(l);
    }
    return active;
  };
  const done = new Set<string>();
  const isFinished = async (holder: string) => {
    if (done.has(holder)) return true;
    if (!(await opts.finished?.(holder))) return false;
    reporter.info(`${holder} already serves ${opts.environment}: its run's lease is over`);
    done.add(holder);
    return true;
  };
  for (let waited = false; ; waited = true) {
    const blocking = (await others()).find((l) => l.recordId !== opts.recordId);
    if (!blocking) {
      await github.setStatus(opts.recordId, "in_progress", {
        description: leaseDescription(opts.holder, clock.now() + ttlMs),
      });
      const leases = await others();
      const mine = leases.find((l) => l.recordId === opts.recordId);
      const rival = leases.find((l) => l.recordId !== opts.recordId && (!mine || older(l, mine)));
      if (mine && !rival) {
        if (waited) reporter.info(`Took the ${opts.environment} lease`);
        return;
      }
      // Taken at the same moment by an older lease: step back and wait for it.
      await github.setStatus(opts.recordId, "queued", {
        description: `Waiting for ${rival?.holder ?? "another run"} to finish in ${opts.environment}`,
      });
      continue;
    }
    if (clock.now() >= deadline) {
      throw new CheckFailedError(
        `${opts.environment} is being deployed by ${blocking.holder} (its lease holds until ${new Date(blocking.until).toISOString()}); ${opts.holder} was not promoted. Run again once that deploy ends.`,
      );
    }
    if (!waited)
      reporter.info(`${blocking.holder} holds the ${opts.environment} lease: waiting for it to finish`);
    await clock.sleep(pollMs);
  }
}
