import type { Clock, Reporter } from "../reporter.ts";
import { VERSION } from "../version.ts";
import { backupDatabase } from "./backup.ts";
import { loadDrillChecks } from "./checks.ts";
import { drillBackup } from "./drill.ts";
import type { BackupInputs } from "./inputs.ts";
import { type OpenStoreOptions, openBackupStore } from "./open-store.ts";
import { drillRows, drillVerdict, manifestRows, pruneRows, rowCountRows } from "./report.ts";
import { pruneBackups } from "./retention.ts";

/** What one run of the backup action produced: its outputs, its job summary, its verdict. */
export interface BackupRunReport {
  outputs: Record<string, string>;
  heading: string;
  sections: { title?: string; rows: string[][] }[];
  /** A drill that found a mismatch: the step fails (exit 1). */
  failed: boolean;
  failure?: string;
}

/** Runs one mode of the backup action; `pgBin` has been found by the door. */
export async function runBackupMode(
  inputs: BackupInputs,
  deps: { pgBin: string; clock: Clock; reporter: Reporter; process?: OpenStoreOptions["process"] },
): Promise<BackupRunReport> {
  const store = await openBackupStore(inputs.store, {
    gcsApiUrl: inputs["gcs-api-url"],
    mustExist: inputs.mode !== "backup",
    process: deps.process,
  });
  if (inputs.mode === "backup") {
    const manifest = await backupDatabase({
      databaseUrl: inputs["database-url"] as string,
      store,
      pgBin: deps.pgBin,
      clock: deps.clock,
      reporter: deps.reporter,
      gardeVersion: VERSION,
      recipients: inputs["age-recipients"] ?? [],
    });
    return {
      outputs: {
        "backup-id": manifest.id,
        size: String(manifest.dump.size),
        sha256: manifest.dump.sha256,
        report: JSON.stringify(manifest),
      },
      heading: `garde backup: ${manifest.database} → ${store.url}/${manifest.id}`,
      sections: [
        { rows: [["Manifest", ""], ...manifestRows(manifest)] },
        { title: "Rows per table, in the snapshot dumped", rows: rowCountRows(manifest) },
      ],
      failed: false,
    };
  }
  if (inputs.mode === "drill") {
    const result = await drillBackup({
      store,
      backupId: inputs["backup-id"],
      targetUrl: inputs["target-url"] as string,
      pgBin: deps.pgBin,
      checks: loadDrillChecks(inputs.checks),
      ageIdentity: inputs["age-identity"],
      clock: deps.clock,
      reporter: deps.reporter,
    });
    return {
      outputs: {
        "backup-id": result.backupId,
        "drill-result": result.passed ? "passed" : "failed",
        report: JSON.stringify(result),
      },
      heading: `garde restore drill: ${drillVerdict(result)}`,
      sections: [{ title: "Manifest against the restored database", rows: drillRows(result) }],
      failed: !result.passed,
      ...(result.failure ? { failure: `Restore drill failed: ${result.failure}` } : {}),
    };
  }
  const dryRun = inputs["dry-run"] === "true";
  const plan = await pruneBackups(
    store,
    {
      daily: inputs["keep-daily"] as number,
      weekly: inputs["keep-weekly"] as number,
      monthly: inputs["keep-monthly"] as number,
    },
    { dryRun, now: deps.clock.now() },
  );
  return {
    outputs: { pruned: plan.prune.join(","), report: JSON.stringify({ dryRun, ...plan }) },
    heading: `garde prune${dryRun ? " (dry run)" : ""}: ${plan.keep.length} kept, ${plan.prune.length} ${dryRun ? "would go" : "pruned"}`,
    sections: [{ rows: pruneRows(plan, dryRun) }],
    failed: false,
  };
}
