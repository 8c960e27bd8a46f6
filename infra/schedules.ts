/**
 * Scheduled work and what runs it. Every schedule a stack declares names its executor, a
 * resource the same stack creates (or a workflow file in this repository), so `garde plan` can
 * show each chain and a test can prove nothing is scheduled into the void.
 */
export type ExecutorKind =
  | "kubernetes-cronjob"
  | "cloud-run-job"
  | "firestore-backup-schedule"
  | "cloud-sql-automated-backups"
  | "storage-transfer-job"
  | "github-workflow";

export interface ScheduledWork {
  what: string;
  /** Cron (5 fields) or the service's own words ("daily", "weekly"). */
  schedule: string;
  timeZone: string;
  executor: {
    kind: ExecutorKind;
    /** The Pulumi resource that runs it, or the workflow's path in this repository. */
    name: string;
    /** What starts it when the executor has no clock of its own (a Cloud Scheduler job). */
    trigger?: string | undefined;
  };
  /** The command the executor runs, as a person would type it (secrets are variable names). */
  command?: string | undefined;
  /** The scheduled work that restores this one's output, proving it: a backup's drill. */
  provenBy?: string | undefined;
  /** Where its output goes and how long it stays, when it writes any. */
  output?: string | undefined;
  retentionDays?: number | undefined;
}

/** Work a stack asks for that nothing can run yet: no schedule is created, `garde plan` warns. */
export interface PendingWork {
  what: string;
  schedule: string;
  /** What must exist before it can be scheduled, and where that is being built. */
  waitingFor: string;
}

/** A GCP service account id (6–30 chars) for a role in an app's environment. */
export function accountId(role: string, environment: string, app: string): string {
  return `${role}-${environment}-${app}`.slice(0, 30).replace(/-+$/, "");
}

export const serviceAccountEmail = (id: string, project: string) =>
  `${id}@${project}.iam.gserviceaccount.com`;
