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

type Roles = Pick<SecretSnapshot, "current" | "pending" | "previous">;

/**
 * create → set → test → finish, then revoke the previous value after a grace period. Each step
 * is recorded on the store before the next begins; a run resumes from the recorded step, and
 * redoing a step is harmless. A value the consumers or the rotator refuse is discarded and the
 * consumers are given the current value back: current is never touched.
 */
export async function rotate(secret: string, opts: RotateOptions): Promise<RotationReport> {
  const run = await RotationRun.start(secret, opts);
  try {
    if (run.step === "finished" || run.step === "revoking") return await run.revokeOnceDue();
    if (run.step === "idle") await run.create();
    const values = await run.values();
    if (run.step === "created") await run.setInConsumers(values);
    if (run.step === "set") await run.test(values);
    if (run.step === "tested") await run.finish();
    return run.report("rotated", run.graceEnds());
  } finally {
    await run.release();
  }
}

/** One run on one secret: its lease, its writes (one at a time, compare-and-swap), its record. */
class RotationRun {
  private snap: SecretSnapshot;
  private readonly steps: Step[] = [];
  private readonly rotationId: string;
  private tail: Promise<unknown> = Promise.resolve();
  private stopHeartbeat: () => void = () => undefined;
  private readonly startedAt: number;

  private constructor(
    private readonly secret: string,
    private readonly opts: RotateOptions,
    snap: SecretSnapshot,
  ) {
    this.snap = snap;
    this.startedAt = opts.clock.now();
    this.rotationId = snap.state.rotationId ?? randomUUID();
  }

  /**
   * Reads the secret and takes its lease: refused while another live run holds it, taken over
   * from a dead or expired one. Then renews the lease while the run works.
   */
  static async start(secret: string, opts: RotateOptions): Promise<RotationRun> {
    const { store, clock, reporter } = opts;
    const snap = await store.snapshot(secret);
    const verdict = judgeLease(
      snap.state.lock,
      { runId: opts.runId, owner: ownerOf(opts) },
      clock.now(),
      opts.isAlive ?? (() => true),
    );
    if (verdict.kind === "held") throw lockedBy(secret, verdict.lease, snap.state.step);
    if (verdict.kind === "take-over") {
      reporter.warn(
        `${secret}: taking over from run ${snap.state.lock?.holder} at step ${snap.state.step}: ${verdict.why}`,
      );
    }
    const run = new RotationRun(secret, opts, snap);
    try {
      await run.write(rolesOf(snap), {});
    } catch (err) {
      // Another rerun took the secret first: say which.
      const now = await store.snapshot(secret).catch(() => null);
      if (err instanceof RotationLockedError && now?.state.lock)
        throw lockedBy(secret, now.state.lock, now.state.step);
      throw err;
    }
    run.startHeartbeat();
    return run;
  }

  get step(): Step {
    return this.snap.state.step;
  }

  /** A finished rotation in grace waits; once due, the previous value is revoked everywhere. */
  async revokeOnceDue(): Promise<RotationReport> {
    const { graceMs, clock } = this.opts;
    if (this.step === "finished") {
      const due = (this.snap.state.finishedAt ?? 0) + graceMs;
      if (clock.now() < due) return this.report("in-grace", new Date(due).toISOString());
      // No build waits on the previous value: a rollback to a build made before the rotation
      // rebuilds its commit with today's variables (rollback/rotation-aware), never restores it.
      await this.write(rolesOf(this.snap), { step: "revoking" });
      await this.done("revoking");
    }
    await revokePrevious(this.secret, this.snap, this.opts);
    await this.write(
      { current: this.snap.current, pending: null, previous: this.snap.previous },
      { step: "idle", rotationId: null, finishedAt: null, reason: null },
    );
    await this.done("idle");
    return this.report("revoked-previous");
  }

  /** A new value from the rotator, stored as a version and recorded as pending. */
  async create(): Promise<void> {
    const { store, rotator } = this.opts;
    const currentValue = this.snap.current ? await store.value(this.secret, this.snap.current) : null;
    const version = await store.addVersion(this.secret, await rotator.generate(currentValue));
    await this.write(
      { current: this.snap.current, pending: version, previous: this.snap.previous },
      { step: "created", rotationId: this.rotationId, reason: this.opts.reason },
    );
    await this.done("created");
  }

  /** The pending value, and the current one consumers keep accepting during the overlap. */
  async values(): Promise<{ pending: string; current: string | null }> {
    const { store } = this.opts;
    return {
      pending: await store.value(this.secret, this.snap.pending as string),
      current: this.snap.current ? await store.value(this.secret, this.snap.current) : null,
    };
  }

  async setInConsumers({ pending, current }: { pending: string; current: string | null }): Promise<void> {
    for (const consumer of this.opts.consumers) await consumer.apply(pending, current);
    await this.write(rolesOf(this.snap), { step: "set", setAt: this.opts.clock.now() });
    await this.done("set");
  }

  /** The rotator and every consumer prove the new value works; a refusal discards it. */
  async test(values: { pending: string; current: string | null }): Promise<void> {
    // Resuming a killed run: this process never gave the consumers the value it is to verify.
    if (!this.steps.includes("set"))
      for (const consumer of this.opts.consumers) await consumer.apply(values.pending, values.current);
    try {
      await this.opts.rotator.test(values.pending);
      for (const consumer of this.opts.consumers) await consumer.verify();
    } catch (err) {
      return this.discard(values, errorMessage(err));
    }
    await this.write(rolesOf(this.snap), { step: "tested" });
    await this.done("tested");
  }

  /** A refused value: the consumers get the current one back, the value is revoked and disabled. */
  private async discard(values: { pending: string; current: string | null }, why: string): Promise<never> {
    const { store, reporter } = this.opts;
    const { secret, snap } = this;
    reporter.warn(
      `${secret}: the new value was refused (${why}); discarding it and restoring the current one`,
    );
    if (values.current !== null) {
      const previousValue = snap.previous ? await store.value(secret, snap.previous).catch(() => null) : null;
      for (const consumer of this.opts.consumers) await consumer.apply(values.current, previousValue);
    }
    // The refused value must not stay valid where it was made (a database role's password).
    await this.opts.rotator
      .revoke(values.pending)
      .catch((revokeErr: unknown) =>
        reporter.warn(
          `${secret}: the refused value could not be revoked (${errorMessage(revokeErr)}); revoke it by hand`,
        ),
      );
    await store.disable(secret, snap.pending as string);
    await this.write(
      { current: snap.current, pending: null, previous: snap.previous },
      { step: "idle", rotationId: null, reason: null },
    );
    await this.done("idle");
    throw new CheckFailedError(
      `Rotation of ${secret} stopped: the new value was refused (${why}). It was discarded; the current value is untouched.`,
    );
  }

  /** pending → current, current → previous: the new value takes over. */
  async finish(): Promise<void> {
    const now = this.opts.clock.now();
    await this.write(
      { current: this.snap.pending, pending: null, previous: this.snap.current },
      { step: "finished", finishedAt: now, rotatedAt: now },
    );
    await this.done("finished");
  }

  graceEnds(): string {
    return new Date((this.snap.state.finishedAt ?? this.opts.clock.now()) + this.opts.graceMs).toISOString();
  }

  report(outcome: RotationReport["outcome"], revokeAfter: string | null = null): RotationReport {
    const { current, pending, previous } = this.snap;
    return {
      secret: this.secret,
      rotationId: this.rotationId,
      steps: this.steps,
      outcome,
      versions: { current, pending, previous },
      revokeAfter,
    };
  }

  /** Releases the lease, unless another run took over (then our etag is stale and nothing changes). */
  async release(): Promise<void> {
    this.stopHeartbeat();
    const { store } = this.opts;
    await this.serial(() =>
      store.update(this.secret, this.snap.etag, rolesOf(this.snap), { ...this.snap.state, lock: null }),
    ).catch(() => undefined);
  }

  private startHeartbeat(): void {
    let renewFailed = false;
    this.stopHeartbeat = (this.opts.heartbeat ?? intervalHeartbeat())(() =>
      this.serial(() => this.writeNow(rolesOf(this.snap), {})).catch((err: unknown) => {
        if (!renewFailed)
          this.opts.reporter.warn(`${this.secret}: could not renew this run's lease: ${errorMessage(err)}`);
        renewFailed = true;
      }),
    );
  }

  /** Writes go one at a time (the heartbeat's too): of two runs that read one etag, one write fails. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private write(roles: Roles, state: Partial<RotationState>): Promise<void> {
    return this.serial(() => this.writeNow(roles, state));
  }

  private async writeNow(roles: Roles, state: Partial<RotationState>): Promise<void> {
    const next: RotationState = { ...this.snap.state, ...state, lock: this.lease() };
    try {
      const etag = await this.opts.store.update(this.secret, this.snap.etag, roles, next);
      this.snap = { ...roles, state: next, etag };
    } catch (err) {
      if (err instanceof ConcurrentRotationError)
        throw new RotationLockedError(
          `Secret ${this.secret}: ${err.message}; this run stopped without changing anything`,
        );
      throw err;
    }
  }

  private lease(): Lease {
    const now = this.opts.clock.now();
    const owner = this.opts.owner ? { host: this.opts.owner.host, pid: this.opts.owner.pid } : {};
    const until = now + (this.opts.leaseMs ?? LEASE_MS);
    return { holder: this.opts.runId, ...owner, startedAt: this.startedAt, heartbeatAt: now, until };
  }

  /** A step recorded: said, audited (who, why, when, which versions; never a value), and hooked. */
  private async done(step: Step): Promise<void> {
    const { store, clock, reporter } = this.opts;
    this.steps.push(step);
    reporter.info(`${this.secret}: ${step}`);
    await store.audit({
      secret: this.secret,
      rotationId: this.rotationId,
      actor: this.opts.actor,
      reason: this.snap.state.reason ?? this.opts.reason,
      at: new Date(clock.now()).toISOString(),
      event: step,
      versions: { current: this.snap.current, pending: this.snap.pending, previous: this.snap.previous },
    });
    await this.opts.afterStep?.(step);
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
