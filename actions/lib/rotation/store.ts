/**
 * Where secret values and rotation progress live: on the store, not the runner, so a rotation
 * killed at any step resumes from there. Every write is compare-and-swap on an etag, so two
 * runs can never interleave their steps.
 */

import type { Lease } from "./lease.ts";

/** "revoking": the previous value is being removed from the consumers and the issuer. */
export const STEPS = ["idle", "created", "set", "tested", "finished", "revoking"] as const;
export type Step = (typeof STEPS)[number];

export interface RotationState {
  step: Step;
  rotationId: string | null;
  /** The run holding the secret (see lease.ts): another run refuses while it holds it. */
  lock: Lease | null;
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
  /** Whether a version can still be read (false once disabled). */
  enabled(secret: string, version: string): Promise<boolean>;
  audit(record: AuditRecord): Promise<void>;
}

/** Another run changed the secret between our read and our write. */
export class ConcurrentRotationError extends Error {
  override readonly name = "ConcurrentRotationError";
}
