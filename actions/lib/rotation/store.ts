/**
 * Where secret values and rotation progress live: on the store, not the runner, so a rotation
 * killed at any step resumes from there. Every write is compare-and-swap on an etag, so two
 * runs can never interleave their steps.
 */

export const STEPS = ["idle", "created", "set", "tested", "finished"] as const;
export type Step = (typeof STEPS)[number];

export interface RotationState {
  step: Step;
  rotationId: string | null;
  /** Run holding the secret, and until when (ms since epoch): another run refuses before then. */
  lock: { holder: string; until: number } | null;
  /** When the current value took over (for the revocation grace period). */
  finishedAt: number | null;
  /** When the last rotation finished, kept across rotations (for "due"). */
  rotatedAt?: number | null;
  /** When the consumers got the new value: builds made before still hold an older one. */
  setAt?: number | null;
  reason: string | null;
}

export const IDLE: RotationState = {
  step: "idle",
  rotationId: null,
  lock: null,
  finishedAt: null,
  reason: null,
};

export interface SecretSnapshot {
  /** Version ids by role. */
  current: string | null;
  pending: string | null;
  previous: string | null;
  state: RotationState;
  etag: string;
}

/** An audit line: who, why, when, which versions. Never a value. */
export interface AuditRecord {
  secret: string;
  rotationId: string;
  actor: string;
  reason: string;
  at: string;
  event: string;
  versions: { current: string | null; pending: string | null; previous: string | null };
}

export interface SecretStore {
  readonly name: string;
  /** Creates the secret when missing. */
  snapshot(secret: string): Promise<SecretSnapshot>;
  value(secret: string, version: string): Promise<string>;
  addVersion(secret: string, value: string): Promise<string>;
  /** Writes roles and state if the secret is unchanged since `etag`; else ConcurrentRotationError. */
  update(
    secret: string,
    etag: string,
    roles: Pick<SecretSnapshot, "current" | "pending" | "previous">,
    state: RotationState,
  ): Promise<string>;
  disable(secret: string, version: string): Promise<void>;
  audit(record: AuditRecord): Promise<void>;
}

/** Another run changed the secret between our read and our write. */
export class ConcurrentRotationError extends Error {
  override readonly name = "ConcurrentRotationError";
}
