import type {
  DeploymentRecord,
  DeploymentStatusRecord,
  GitHubDeployments,
} from "../deploy/github-deployments.ts";

/**
 * Markers garde writes in GitHub deployment status descriptions and reads back: the platform,
 * not the runner, remembers which production builds are known-good and which were rolled back.
 * Each is written and parsed only here.
 */
export const KNOWN_GOOD = "garde known-good";
export const ROLLED_BACK = "garde rolled back";
export const RESTORED = "garde restored";

export interface ProductionRecord {
  record: DeploymentRecord;
  /** Newest first. */
  statuses: DeploymentStatusRecord[];
}

const marked = (s: DeploymentStatusRecord, marker: string) => s.description.startsWith(marker);

/** Known-good: marked so after a full watch, and not rolled back from since. */
export function isKnownGood(statuses: DeploymentStatusRecord[]): boolean {
  const good = statuses.findIndex((s) => s.state === "success" && marked(s, KNOWN_GOOD));
  const failed = statuses.findIndex((s) => s.state === "failure");
  return good !== -1 && (failed === -1 || good < failed);
}

/** The rollback a run started on this record and may not have finished: the target it named. */
export function rollbackIntent(statuses: DeploymentStatusRecord[]): string | null {
  const latest = statuses[0];
  if (latest?.state !== "failure" || !marked(latest, ROLLED_BACK)) return null;
  return /→ (\S+?):/.exec(latest.description)?.[1] ?? null;
}

export function knownGoodDescription(summary: string): string {
  return `${KNOWN_GOOD}: ${summary}`;
}

export function rolledBackDescription(from: string, to: string, reason: string): string {
  return `${ROLLED_BACK}: ${from} → ${to}: ${reason}`;
}

export function restoredDescription(to: string, from: string | null): string {
  return `${RESTORED}: ${to}${from ? ` (rolled back from ${from})` : ""}`;
}

/** Production records garde wrote, newest first, with their statuses. */
export class ProductionHistory {
  private readonly github: GitHubDeployments;
  private cache: ProductionRecord[] | undefined;

  constructor(github: GitHubDeployments) {
    this.github = github;
  }

  async records(limit = 50): Promise<ProductionRecord[]> {
    if (this.cache) return this.cache;
    const records = (await this.github.list("production", limit)).filter(
      (r) => r.targetDeploymentId !== null,
    );
    this.cache = await Promise.all(
      records.map(async (record) => ({ record, statuses: await this.github.statuses(record.id) })),
    );
    return this.cache;
  }

  async recordOf(targetDeploymentId: string): Promise<ProductionRecord | undefined> {
    return (await this.records()).find((r) => r.record.targetDeploymentId === targetDeploymentId);
  }

  /** The newest known-good build other than those excluded. */
  async knownGood(exclude: readonly string[] = []): Promise<ProductionRecord | undefined> {
    return (await this.records()).find(
      (r) => !exclude.includes(r.record.targetDeploymentId as string) && isKnownGood(r.statuses),
    );
  }

  /** The build that served before `from`: the newest older record that went live and was not rolled back from. */
  async previous(from: string): Promise<ProductionRecord | undefined> {
    const all = await this.records();
    const index = all.findIndex((r) => r.record.targetDeploymentId === from);
    return all.slice(index + 1).find((r) => r.statuses[0]?.state === "success");
  }

  /**
   * A rollback some run began (its intent is written first) and no run finished: the target
   * has no "restored" status written after the intent.
   */
  async unfinishedRollback(): Promise<{ from: ProductionRecord; to: string } | undefined> {
    for (const r of await this.records()) {
      const to = rollbackIntent(r.statuses);
      const intentAt = r.statuses[0]?.createdAt ?? "";
      if (!to) continue;
      const target = await this.recordOf(to);
      const finished = target?.statuses.some((s) => marked(s, RESTORED) && s.createdAt >= intentAt);
      if (!finished) return { from: r, to };
    }
    return undefined;
  }

  forget(): void {
    this.cache = undefined;
  }
}
