import { randomUUID } from "node:crypto";
import { CheckFailedError, errorMessage } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import {
  describeLease,
  intervalHeartbeat,
  judgeLease,
  LEASE_MS,
  type Lease,
  type RunOwner,
} from "./lease.ts";
import type { Consumer, Rotator } from "./rotator.ts";
import {
  ConcurrentRotationError,
  type RotationState,
  type SecretSnapshot,
  type SecretStore,
  type Step,
} from "./store.ts";

export interface RotateOptions {
  store: SecretStore;
  rotator: Rotator;
  consumers: readonly Consumer[];
  clock: Clock;
  reporter: Reporter;
  /** The previous value stays valid this long after finish, then is revoked. */
  graceMs: number;
  /** How long a run's lease holds without renewal: a rerun takes over after that (default 30 s). */
  leaseMs?: number;
  /** This run's identity (the workflow run), for the lease and the audit trail. */
  runId: string;
  /** This run's process: a rerun on the same host takes over at once when it is gone. */
  owner?: RunOwner | undefined;
  /** Whether a process on this host still runs (the door probes; without it, only expiry counts). */
  isAlive?: ((owner: RunOwner) => boolean) | undefined;
  /** Renews the lease while the run works: given renew(), returns stop() (default every 10 s). */
  heartbeat?: ((renew: () => Promise<void>) => () => void) | undefined;
  actor: string;
  reason: string;
  /** Called after each step is recorded: tests kill a run here. */
  afterStep?: ((step: Step) => Promise<void> | void) | undefined;
}

export interface RotationReport {
  secret: string;
  rotationId: string | null;
  /** Steps this run carried out, in order. */
  steps: Step[];
  outcome: "rotated" | "revoked-previous" | "in-grace";
  versions: { current: string | null; pending: string | null; previous: string | null };
  /** When the previous version may be revoked (ISO), while in grace. */
  revokeAfter: string | null;
}

const rolesOf = (s: SecretSnapshot) => ({ current: s.current, pending: s.pending, previous: s.previous });

/** Another run holds the secret: this one refuses rather than interleave. Exit 1. */
export class RotationLockedError extends CheckFailedError {
  override readonly name = "RotationLockedError";
}

/**
 * create → set → test → finish, then revoke the previous value after a grace period. Each step
 * is recorded on the store before the next begins; a run resumes from the recorded step, and
 * redoing a step is harmless. A value the consumers or the rotator refuse is discarded and the
 * consumers are given the current value back: current is never touched.
 */
export async function rotate(secret: string, opts: RotateOptions): Promise<RotationReport> {
  const { store, clock, reporter } = opts;
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  const isAlive = opts.isAlive ?? (() => true);
  let snap = await store.snapshot(secret);
  const verdict = judgeLease(
    snap.state.lock,
    { runId: opts.runId, owner: ownerOf(opts) },
    clock.now(),
    isAlive,
  );
  if (verdict.kind === "held") throw lockedBy(secret, verdict.lease, snap.state.step);
  if (verdict.kind === "take-over") {
    reporter.warn(
      `${secret}: taking over from run ${snap.state.lock?.holder} at step ${snap.state.step}: ${verdict.why}`,
    );
  }
  const startedAt = clock.now();
  // Writes go one at a time (the heartbeat's too), each compare-and-swap on the etag: of two runs
  // that read the same etag, one write fails.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const result = tail.then(work);
    tail = result.catch(() => undefined);
    return result;
  };
  const lease = (): Lease => {
    const now = clock.now();
    const owner = opts.owner ? { host: opts.owner.host, pid: opts.owner.pid } : {};
    return { holder: opts.runId, ...owner, startedAt, heartbeatAt: now, until: now + leaseMs };
  };
  const writeNow = async (
    roles: Pick<SecretSnapshot, "current" | "pending" | "previous">,
    state: Partial<RotationState>,
  ) => {
    const next: RotationState = { ...snap.state, ...state, lock: lease() };
    try {
      const etag = await store.update(secret, snap.etag, roles, next);
      snap = { ...roles, state: next, etag };
    } catch (err) {
      if (err instanceof ConcurrentRotationError)
        throw new RotationLockedError(
          `Secret ${secret}: ${err.message}; this run stopped without changing anything`,
        );
      throw err;
    }
  };
  const write = (
    roles: Pick<SecretSnapshot, "current" | "pending" | "previous">,
    state: Partial<RotationState>,
  ) => serial(() => writeNow(roles, state));
  try {
    await write(rolesOf(snap), {});
  } catch (err) {
    // Another rerun took the secret first: say which.
    const now = await store.snapshot(secret).catch(() => null);
    if (err instanceof RotationLockedError && now?.state.lock)
      throw lockedBy(secret, now.state.lock, now.state.step);
    throw err;
  }
  let renewFailed = false;
  const stopHeartbeat = (opts.heartbeat ?? intervalHeartbeat())(() =>
    serial(() => writeNow(rolesOf(snap), {})).catch((err: unknown) => {
      if (!renewFailed) reporter.warn(`${secret}: could not renew this run's lease: ${errorMessage(err)}`);
      renewFailed = true;
    }),
  );

  const steps: Step[] = [];
  const rotationId = snap.state.rotationId ?? randomUUID();
  const audit = (event: string) =>
    store.audit({
      secret,
      rotationId,
      actor: opts.actor,
      reason: snap.state.reason ?? opts.reason,
      at: new Date(clock.now()).toISOString(),
      event,
      versions: { current: snap.current, pending: snap.pending, previous: snap.previous },
    });
  const done = async (step: Step) => {
    steps.push(step);
    reporter.info(`${secret}: ${step}`);
    await audit(step);
    await opts.afterStep?.(step);
  };
  const report = (outcome: RotationReport["outcome"], revokeAfter: string | null = null): RotationReport => ({
    secret,
    rotationId,
    steps,
    outcome,
    versions: { current: snap.current, pending: snap.pending, previous: snap.previous },
    revokeAfter,
  });

  try {
    // A finished rotation still in grace, or due for revocation; or a revocation a killed run began.
    if (snap.state.step === "finished") {
      const due = (snap.state.finishedAt ?? 0) + opts.graceMs;
      if (clock.now() < due) return report("in-grace", new Date(due).toISOString());
      // No build waits on the previous value: a rollback to a build made before the rotation
      // rebuilds its commit with today's variables (rollback/rotation-aware), never restores it.
      await write(rolesOf(snap), { step: "revoking" });
      await done("revoking");
    }
    if (snap.state.step === "revoking") {
      await revokePrevious(secret, snap, opts);
      await write(
        { current: snap.current, pending: null, previous: snap.previous },
        { step: "idle", rotationId: null, finishedAt: null, reason: null },
      );
      await done("idle");
      return report("revoked-previous");
    }

    if (snap.state.step === "idle") {
      const currentValue = snap.current ? await store.value(secret, snap.current) : null;
      const value = await opts.rotator.generate(currentValue);
      const version = await store.addVersion(secret, value);
      await write(
        { current: snap.current, pending: version, previous: snap.previous },
        { step: "created", rotationId, reason: opts.reason },
      );
      await done("created");
    }
    const pending = snap.pending as string;
    const pendingValue = await store.value(secret, pending);
    const currentValue = snap.current ? await store.value(secret, snap.current) : null;

    if (snap.state.step === "created") {
      for (const consumer of opts.consumers) await consumer.apply(pendingValue, currentValue);
      await write(rolesOf(snap), { step: "set", setAt: clock.now() });
      await done("set");
    }

    if (snap.state.step === "set") {
      // Resuming a killed run: this process never gave the consumers the value it is to verify.
      if (!steps.includes("set"))
        for (const consumer of opts.consumers) await consumer.apply(pendingValue, currentValue);
      try {
        await opts.rotator.test(pendingValue);
        for (const consumer of opts.consumers) await consumer.verify();
      } catch (err) {
        const why = errorMessage(err);
        reporter.warn(
          `${secret}: the new value was refused (${why}); discarding it and restoring the current one`,
        );
        if (currentValue !== null) {
          const previousValue = snap.previous
            ? await store.value(secret, snap.previous).catch(() => null)
            : null;
          for (const consumer of opts.consumers) await consumer.apply(currentValue, previousValue);
        }
        // The refused value must not stay valid where it was made (a database role's password).
        await opts.rotator
          .revoke(pendingValue)
          .catch((revokeErr: unknown) =>
            reporter.warn(
              `${secret}: the refused value could not be revoked (${errorMessage(revokeErr)}); revoke it by hand`,
            ),
          );
        await store.disable(secret, pending);
        await write(
          { current: snap.current, pending: null, previous: snap.previous },
          { step: "idle", rotationId: null, reason: null },
        );
        await done("idle");
        throw new CheckFailedError(
          `Rotation of ${secret} stopped: the new value was refused (${why}). It was discarded; the current value is untouched.`,
        );
      }
      await write(rolesOf(snap), { step: "tested" });
      await done("tested");
    }

    if (snap.state.step === "tested") {
      await write(
        { current: snap.pending, pending: null, previous: snap.current },
        { step: "finished", finishedAt: clock.now(), rotatedAt: clock.now() },
      );
      await done("finished");
    }
    return report("rotated", new Date((snap.state.finishedAt ?? clock.now()) + opts.graceMs).toISOString());
  } finally {
    // Release the lease unless another run took over (then our etag is stale and nothing changes).
    stopHeartbeat();
    await serial(() => store.update(secret, snap.etag, rolesOf(snap), { ...snap.state, lock: null })).catch(
      () => undefined,
    );
  }
}

const ownerOf = (opts: RotateOptions): RunOwner => opts.owner ?? { host: "", pid: -1 };

function lockedBy(secret: string, lease: Lease, step: Step): RotationLockedError {
  return new RotationLockedError(
    `Secret ${secret} is being rotated by ${describeLease(lease)} (step ${step}); this run refuses rather than interleave. Run it again once that run has ended or its lease has run out.`,
  );
}

/**
 * The previous value leaves every consumer (each rebuilt or restarted and checked with the
 * current one), then the issuer revokes it, then the store disables its version. A rerun after a
 * kill does it again: each part is harmless twice, and a version already disabled was revoked
 * by the issuer before.
 */
async function revokePrevious(secret: string, snap: SecretSnapshot, opts: RotateOptions): Promise<void> {
  const { store } = opts;
  const current = await store.value(secret, snap.current as string);
  for (const consumer of opts.consumers) await consumer.revoke?.(current);
  if (!snap.previous || !(await store.enabled(secret, snap.previous))) return;
  await opts.rotator.revoke(await store.value(secret, snap.previous));
  await store.disable(secret, snap.previous);
}
