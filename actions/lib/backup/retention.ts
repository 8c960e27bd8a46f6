import { DRILL, type DrillResult, listBackups, readManifest } from "./drill.ts";
import { MANIFEST } from "./manifest.ts";
import { type BackupStore, readJson } from "./store.ts";

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface BackupInfo {
  id: string;
  takenAt: number;
  drillPassed: boolean;
}

export interface PrunePlan {
  keep: { id: string; why: string[] }[];
  prune: string[];
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const month = (t: number) => new Date(t).toISOString().slice(0, 7);
/** ISO week, e.g. 2026-W47. */
function week(t: number): string {
  const d = new Date(t);
  const thursday = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 3 - ((d.getUTCDay() + 6) % 7)),
  );
  const firstThursday = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  const n =
    1 +
    Math.round(
      (thursday.getTime() - firstThursday.getTime()) / 604_800_000 -
        3 / 7 +
        ((firstThursday.getUTCDay() + 6) % 7) / 7,
    );
  return `${thursday.getUTCFullYear()}-W${String(n).padStart(2, "0")}`;
}

/**
 * Which backups to keep: the newest of each of the last N days, M ISO weeks and K months that
 * have one (as pgBackRest and restic count), and, whatever the policy says, the newest backup
 * whose restore drill passed and every backup younger than it: the last proven restore is never
 * pruned, nor anything that could become the next one.
 */
export function planPrune(backups: readonly BackupInfo[], policy: RetentionPolicy): PrunePlan {
  const newestFirst = [...backups].sort((a, b) => b.takenAt - a.takenAt);
  const why = new Map<string, string[]>(newestFirst.map((b) => [b.id, []]));
  const rules: [string, number, (t: number) => string][] = [
    ["daily", policy.daily, day],
    ["weekly", policy.weekly, week],
    ["monthly", policy.monthly, month],
  ];
  for (const [name, count, bucket] of rules) {
    const seen = new Set<string>();
    for (const b of newestFirst) {
      const key = bucket(b.takenAt);
      if (seen.has(key) || seen.size >= count) continue;
      seen.add(key);
      why.get(b.id)?.push(`${name} ${key}`);
    }
  }
  const lastProven = newestFirst.findIndex((b) => b.drillPassed);
  if (lastProven >= 0) {
    why.get(newestFirst[lastProven]?.id as string)?.push("newest backup whose drill passed");
    for (const b of newestFirst.slice(0, lastProven))
      why.get(b.id)?.push("younger than the newest passing drill");
  }
  return {
    keep: newestFirst
      .filter((b) => why.get(b.id)?.length)
      .map((b) => ({ id: b.id, why: why.get(b.id) ?? [] })),
    prune: newestFirst.filter((b) => !why.get(b.id)?.length).map((b) => b.id),
  };
}

async function drillPassed(store: BackupStore, id: string): Promise<boolean> {
  try {
    return ((await readJson(store, `${id}/${DRILL}`)) as DrillResult).passed === true;
  } catch {
    return false;
  }
}

/** Applies the policy to a store (or, with dryRun, only says what would go). */
export async function pruneBackups(
  store: BackupStore,
  policy: RetentionPolicy,
  opts: { dryRun: boolean },
): Promise<PrunePlan> {
  const infos: BackupInfo[] = [];
  for (const id of await listBackups(store)) {
    const manifest = await readManifest(store, id);
    infos.push({ id, takenAt: Date.parse(manifest.startedAt), drillPassed: await drillPassed(store, id) });
  }
  const plan = planPrune(infos, policy);
  if (!opts.dryRun) {
    for (const id of plan.prune) {
      // The manifest first: without it the backup no longer exists for any reader.
      await store.delete(`${id}/${MANIFEST}`);
      for (const name of await store.list(`${id}/`)) await store.delete(name);
    }
  }
  return plan;
}
