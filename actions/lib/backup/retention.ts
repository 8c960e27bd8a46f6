import { backupIds, DRILL, type DrillResult, readManifest } from "./drill.ts";
import { backupIdTime, MANIFEST } from "./manifest.ts";
import { type BackupStore, readJson } from "./store.ts";

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface BackupInfo {
  id: string;
  takenAt: number;
  /** null: the drill record could not be read (a store error), so it may have passed. */
  drillPassed: boolean | null;
}

export interface PrunePlan {
  keep: { id: string; why: string[] }[];
  prune: string[];
  /**
   * Leftovers of backups killed before their manifest (a dump with no manifest, a day old or
   * more) and temporary files of dead writers: never backups, removed with the pruned ones.
   */
  leftovers: string[];
}

/** A backup with no manifest this long after it began was killed: it will never be finished. */
const UNFINISHED_AFTER_MS = 24 * 3_600_000;

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
 * pruned, nor anything that could become the next one. A drill garde could not read may have
 * passed: until the newest known pass, such a backup is kept as if it had, with everything
 * younger, so a store outage during a prune never strips the last proven restore.
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
  const lastProven = newestFirst.findIndex((b) => b.drillPassed === true);
  // Unknowns younger than a known pass are kept by it; older ones cannot be the newest proven.
  const oldestUnknown = newestFirst.findLastIndex((b) => b.drillPassed === null);
  if (lastProven >= 0) {
    why.get(newestFirst[lastProven]?.id as string)?.push("newest backup whose drill passed");
    for (const b of newestFirst.slice(0, lastProven))
      why.get(b.id)?.push("younger than the newest passing drill");
  } else if (oldestUnknown >= 0) {
    for (const [i, b] of newestFirst.slice(0, oldestUnknown + 1).entries())
      why
        .get(b.id)
        ?.push(
          i === oldestUnknown
            ? "its drill record could not be read: it may be the newest proven restore"
            : "younger than a backup whose drill record could not be read",
        );
  }
  return {
    keep: newestFirst
      .filter((b) => why.get(b.id)?.length)
      .map((b) => ({ id: b.id, why: why.get(b.id) ?? [] })),
    prune: newestFirst.filter((b) => !why.get(b.id)?.length).map((b) => b.id),
    leftovers: [],
  };
}

/**
 * true or false from the drill record; false when the listing shows none; null when it is listed
 * but cannot be read: "never drilled" and "the store failed us" are different answers.
 */
async function drillPassed(
  store: BackupStore,
  id: string,
  names: ReadonlySet<string>,
): Promise<boolean | null> {
  if (!names.has(`${id}/${DRILL}`)) return false;
  try {
    return ((await readJson(store, `${id}/${DRILL}`)) as DrillResult).passed === true;
  } catch {
    return null;
  }
}

/** Applies the policy to a store (or, with dryRun, only says what would go). */
export async function pruneBackups(
  store: BackupStore,
  policy: RetentionPolicy,
  opts: { dryRun: boolean; now: number },
): Promise<PrunePlan> {
  const infos: BackupInfo[] = [];
  const names = new Set(await store.list(""));
  const ids = backupIds([...names]);
  const unfinished = unfinishedBackups([...names], new Set(ids), opts.now);
  for (const id of ids) {
    const manifest = await readManifest(store, id);
    infos.push({
      id,
      takenAt: Date.parse(manifest.startedAt),
      drillPassed: await drillPassed(store, id, names),
    });
  }
  const plan = planPrune(infos, policy);
  plan.leftovers = unfinished.map((id) => `${id}/`);
  if (!opts.dryRun) {
    for (const id of plan.prune) {
      // The manifest first: without it the backup no longer exists for any reader.
      await store.delete(`${id}/${MANIFEST}`);
      for (const name of await store.list(`${id}/`)) await store.delete(name);
    }
    for (const id of unfinished) for (const name of await store.list(`${id}/`)) await store.delete(name);
    plan.leftovers.push(...((await store.sweep?.()) ?? []));
  }
  return plan;
}

/** Backup folders with objects but no manifest, begun long enough ago that no run still writes them. */
function unfinishedBackups(names: readonly string[], published: ReadonlySet<string>, now: number): string[] {
  const folders = new Set(names.filter((n) => n.includes("/")).map((n) => n.slice(0, n.indexOf("/"))));
  return [...folders].filter((id) => {
    if (published.has(id)) return false;
    const began = backupIdTime(id);
    return began !== null && now - began >= UNFINISHED_AFTER_MS;
  });
}
