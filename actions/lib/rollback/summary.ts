import type { RollbackOutcome } from "./rollback.ts";

/** Rows (header first) for job summaries and terminals: the outcome, then the timeline. */
export function rollbackSummaryRows(outcome: RollbackOutcome, failure: string | null): string[][] {
  const rows: string[][] = [
    ["", ""],
    ["Outcome", failure ? `failed: ${failure}` : outcome.outcome],
  ];
  if (outcome.severity) rows.push(["Severity", outcome.severity]);
  if (outcome.from) rows.push(["From", outcome.from]);
  if (outcome.to) rows.push(["To", outcome.to]);
  if (outcome.rebuiltFrom)
    rows.push([
      "Rebuilt",
      `${outcome.rebuiltFrom} holds secrets revoked by a rotation: its commit was rebuilt with today's as ${outcome.to}`,
    ]);
  if (outcome.reason) rows.push(["Reason", outcome.reason]);
  const watch = outcome.watch;
  if (watch) {
    const failed = watch.rounds.filter((r) => !r.passed).length;
    rows.push([
      "Watch",
      `${watch.rounds.length} rounds, ${failed} failed, over ${(watch.durationMs / 1000).toFixed(1)} s`,
    ]);
    if (watch.detectedAfterMs !== null)
      rows.push(["Detected after", `${(watch.detectedAfterMs / 1000).toFixed(1)} s`]);
  }
  if (outcome.restoredAfterMs !== null)
    rows.push(["Restored after", `${(outcome.restoredAfterMs / 1000).toFixed(1)} s`]);
  if (outcome.verification)
    rows.push(["Checks after restore", outcome.verification.passed ? "passed" : "FAILED"]);
  for (const n of outcome.notifications) rows.push([`Notified: ${n.notifier}`, n.detail]);
  return rows;
}

export function timelineRows(outcome: RollbackOutcome): string[][] {
  const watch = (outcome.watch?.rounds ?? []).map((r) => [
    `+${(r.atMs / 1000).toFixed(1)} s`,
    `${r.passed ? "✓" : "✗"} ${r.detail}`,
  ]);
  return [["When", "Event"], ...watch, ...outcome.timeline.map((t) => [t.at.slice(11, 23), t.event])];
}

/** Auto mode rolled the watched release back: production is fine again, but the release failed. */
export function failedRelease(to: string | undefined, outcome: RollbackOutcome): boolean {
  return !to && outcome.outcome === "rolled-back";
}
