/**
 * A rotation run's hold on a secret: a lease it renews while it works, kept in the secret's
 * rotation state on the store. A run killed mid-way stops renewing; a rerun takes over as soon as
 * it can tell the holder is gone (its process is dead on this host) or once the lease runs out.
 */

/** Which process a run is: its host name and process id. */
export interface RunOwner {
  host: string;
  pid: number;
}

export interface Lease {
  /** The run id holding the secret. */
  holder: string;
  /** Absent on leases written before garde recorded them: such a holder is judged by `until` alone. */
  host?: string;
  pid?: number;
  /** When the holder took the secret, and last renewed its lease (ms since epoch). */
  startedAt?: number;
  heartbeatAt?: number;
  /** Another run refuses until then, unless it can tell the holder is gone. */
  until: number;
}

/** How long a lease lasts without renewal, and how often its holder renews it. */
export const LEASE_MS = 30_000;
export const HEARTBEAT_MS = 10_000;

export type LeaseVerdict =
  | { kind: "free" }
  | { kind: "ours" }
  | { kind: "take-over"; why: string }
  | { kind: "held"; lease: Lease };

/**
 * Whether this run may hold the secret. `isAlive` answers for a process on this host only; a
 * holder on another host is gone only when its lease has run out.
 */
export function judgeLease(
  lease: Lease | null,
  me: { runId: string; owner: RunOwner },
  now: number,
  isAlive: (owner: RunOwner) => boolean,
): LeaseVerdict {
  if (!lease) return { kind: "free" };
  if (lease.holder === me.runId) return { kind: "ours" };
  if (lease.until <= now) return { kind: "take-over", why: `its lease ran out at ${iso(lease.until)}` };
  if (
    lease.host === me.owner.host &&
    lease.pid !== undefined &&
    !isAlive({ host: lease.host, pid: lease.pid })
  )
    return { kind: "take-over", why: `its process ${lease.pid} on ${lease.host} is gone` };
  return { kind: "held", lease };
}

/** "run r1 (pid 4242 on ci-3), holding it since …, last renewed …, until …". */
export function describeLease(lease: Lease): string {
  const where = lease.pid !== undefined ? ` (pid ${lease.pid} on ${lease.host ?? "an unknown host"})` : "";
  const since = lease.startedAt !== undefined ? `, holding it since ${iso(lease.startedAt)}` : "";
  const renewed = lease.heartbeatAt !== undefined ? `, last renewed ${iso(lease.heartbeatAt)}` : "";
  return `run ${lease.holder}${where}${since}${renewed}; its lease runs until ${iso(lease.until)}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Calls `renew` every `everyMs` until stopped; the timer never keeps the process alive. */
export function intervalHeartbeat(everyMs: number = HEARTBEAT_MS) {
  return (renew: () => Promise<void>): (() => void) => {
    const timer = setInterval(() => void renew(), everyMs);
    timer.unref?.();
    return () => clearInterval(timer);
  };
}
