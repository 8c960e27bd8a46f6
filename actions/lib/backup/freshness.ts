import { CheckFailedError } from "../errors.ts";
import { formatDuration } from "../smoke/config.ts";
import { listBackups } from "./drill.ts";
import { backupIdTime } from "./manifest.ts";
import type { BackupStore } from "./store.ts";

export interface Freshness {
  /** The newest backup (with a manifest: finished), and when it began; null when there is none. */
  newest: { id: string; takenAt: string } | null;
  ageMs: number | null;
  maxAgeMs: number;
}

/**
 * Whether the store holds a backup younger than `maxAgeMs`: the proof that the backup job ran
 * and succeeded lately. A job that stopped running pages nobody by failing; an hourly check of
 * this does. Throws CheckFailedError (exit 1) when the newest is older, or there is none.
 */
export async function checkFreshness(store: BackupStore, maxAgeMs: number, now: number): Promise<Freshness> {
  const taken = (await listBackups(store))
    .map((id) => ({ id, at: backupIdTime(id) }))
    .filter((b): b is { id: string; at: number } => b.at !== null)
    .sort((a, b) => b.at - a.at);
  const newest = taken[0];
  if (!newest) {
    throw new CheckFailedError(
      `no backup in ${store.url}: the backup job has never succeeded there (or writes elsewhere)`,
    );
  }
  const ageMs = now - newest.at;
  const result = { newest: { id: newest.id, takenAt: new Date(newest.at).toISOString() }, ageMs, maxAgeMs };
  if (ageMs > maxAgeMs) {
    throw new CheckFailedError(
      `the newest backup in ${store.url} (${newest.id}) is ${hours(ageMs)} old, more than ${formatDuration(maxAgeMs)}: the backup job has not succeeded since`,
      result,
    );
  }
  return result;
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;
