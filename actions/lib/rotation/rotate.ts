import { randomUUID } from "node:crypto";
import { CheckFailedError, errorMessage } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
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
  /** How long a run's lock holds if the run dies without releasing it. */
  lockMs?: number;
  /** This run's identity (the workflow run), for the lock and the audit trail. */
  runId: string;
  actor: string;
  reason: string;
  /**
   * Deployments a rollback could return to that were built before `builtBefore` and so still
   * hold an older value (Vercel's Instant Rollback keeps a build's variables). While any does,
   * the previous value is not revoked.
   */
  rollbackTargets?: (builtBefore: number) => Promise<string[]>;
  /** Called after each step is recorded: tests kill a run here. */
  afterStep?: (step: Step) => Promise<void> | void;
}

export interface RotationReport {
  secret: string;
  rotationId: string | null;
  /** Steps this run carried out, in order. */
  steps: Step[];
  outcome: "rotated" | "revoked-previous" | "in-grace" | "revocation-deferred";
  /** Deployments that still hold the previous value and keep it from being revoked. */
  heldBy: string[];
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
  const lockMs = opts.lockMs ?? 15 * 60_000;
  let snap = await store.snapshot(secret);
  const lock = snap.state.lock;
  if (lock && lock.holder !== opts.runId && lock.until > clock.now()) {
    throw new RotationLockedError(
      `Secret ${secret} is being rotated by run ${lock.holder} (step ${snap.state.step}); this run refuses rather than interleave. It stops holding it at ${new Date(lock.until).toISOString()}.`,
    );
  }
  // Take the lock with compare-and-swap: of two runs that read the same etag, one write fails.
  const write = async (
    roles: Pick<SecretSnapshot, "current" | "pending" | "previous">,
    state: Partial<RotationState>,
  ) => {
    const next: RotationState = {
      ...snap.state,
      ...state,
      lock: { holder: opts.runId, until: clock.now() + lockMs },
    };
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
  await write(rolesOf(snap), {});

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
  const report = (
    outcome: RotationReport["outcome"],
    revokeAfter: string | null = null,
    heldBy: string[] = [],
  ): RotationReport => ({
    secret,
    rotationId,
    steps,
    outcome,
    heldBy,
    versions: { current: snap.current, pending: snap.pending, previous: snap.previous },
    revokeAfter,
  });

  try {
    // A finished rotation still in grace, or due for revocation.
    if (snap.state.step === "finished") {
      const due = (snap.state.finishedAt ?? 0) + opts.graceMs;
      if (clock.now() < due) return report("in-grace", new Date(due).toISOString());
      const held =
        (await opts.rollbackTargets?.(snap.state.setAt ?? snap.state.finishedAt ?? clock.now())) ?? [];
      if (held.length) {
        reporter.warn(
          `${secret}: keeping ${snap.previous ? `version ${snap.previous}` : "the value before garde's first rotation"} valid: ${held.join(", ")} still hold${held.length === 1 ? "s" : ""} it and a rollback could return there`,
        );
        return report("revocation-deferred", null, held);
      }
      if (snap.previous) {
        await opts.rotator.revoke(await store.value(secret, snap.previous));
        await store.disable(secret, snap.previous);
      }
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
    // Release the lock unless another run took over (then our etag is stale and nothing changes).
    await store
      .update(
        secret,
        snap.etag,
        { current: snap.current, pending: snap.pending, previous: snap.previous },
        { ...snap.state, lock: null },
      )
      .catch(() => undefined);
  }
}
