import type { DrillResult } from "./drill.ts";
import type { Manifest } from "./manifest.ts";
import type { PrunePlan } from "./retention.ts";

/** Tables (first row the header) that the CLI prints and the action writes to its job summary. */
type Rows = string[][];

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function manifestRows(m: Manifest): Rows {
  return [
    ["Backup", m.id],
    ["Database", `${m.database} (PostgreSQL ${m.serverVersion})`],
    ["Taken", `${m.startedAt} → ${m.endedAt}`],
    ["Dump", `${m.dump.name}, ${formatBytes(m.dump.size)} (${m.dump.size} bytes)`],
    ["sha256", m.dump.sha256],
    ["Encryption", m.encryption ? `age to ${m.encryption.recipients.join(", ")}` : "none"],
    ["garde", m.gardeVersion],
  ];
}

export function rowCountRows(m: Manifest): Rows {
  return [["Table", "Rows"], ...Object.entries(m.rowCounts).map(([table, n]) => [table, String(n)])];
}

/** The comparison a drill proves: every table's rows in the manifest and once restored, then each check. */
export function drillRows(result: DrillResult): Rows {
  return [
    ["", "Table or check", "Manifest or expectation", "Restored"],
    ...result.tables.map((t) => [
      t.ok ? "✓" : "✗",
      t.table,
      String(t.expected),
      t.restored === null ? "missing" : String(t.restored),
    ]),
    ...result.checks.map((c) => [c.ok ? "✓" : "✗", `check: ${c.name}`, c.detail, c.got ?? "–"]),
  ];
}

export function drillVerdict(result: DrillResult): string {
  return result.passed
    ? `passed (${result.backupId})`
    : `FAILED (${result.backupId}): ${result.failure ?? "unknown failure"}`;
}

export function pruneRows(plan: PrunePlan, dryRun: boolean): Rows {
  return [
    ["Backup", "Outcome", "Why"],
    ...plan.keep.map((k) => [k.id, "keep", k.why.join("; ")]),
    ...plan.prune.map((id) => [id, dryRun ? "would prune" : "pruned", "outside the retention policy"]),
    ...plan.leftovers.map((name) => [
      name,
      dryRun ? "would remove" : "removed",
      "left by a run killed mid-write: never a backup",
    ]),
  ];
}
