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
/** Status (inactive) of a build production never took: something newer served it first. */
export const SUPERSEDED = "garde superseded";
/** Status of a rotation's rebuild once production serves it. */
export const ROTATION_REBUILT = "garde rotation rebuilt";

/**
 * `rule` values in the payload of records that rebuild an earlier build's commit with the
 * project's current variables: a rotation's rebuild, and a rollback's when the build it would
 * restore holds secrets a rotation replaced.
 */
export const ROTATION_REBUILD = "rotation rebuild";
export const ROLLBACK_REBUILD = "rollback rebuild";

export function rotationRebuildPayload(p: {
  key: string;
  rebuildOf: string;
  secretsSetAt: string;
  platform: string;
  url: string;
}): Record<string, string> {
  return {
    rule: ROTATION_REBUILD,
    rotation: p.key,
    rebuildOf: p.rebuildOf,
    secretsSetAt: p.secretsSetAt,
    platform: p.platform,
    url: p.url,
  };
}

export function rollbackRebuildPayload(p: {
  rebuildOf: string;
  reason: string;
  platform: string;
  url: string;
}): Record<string, string> {
  return {
    rule: ROLLBACK_REBUILD,
    rebuildOf: p.rebuildOf,
    reason: p.reason,
    platform: p.platform,
    url: p.url,
  };
}

const ruleOf = (r: DeploymentRecord): unknown => r.payload.rule;
const rebuildOf = (r: DeploymentRecord): string | null =>
  typeof r.payload.rebuildOf === "string" ? r.payload.rebuildOf : null;

export function isRotationRebuild(r: DeploymentRecord): boolean {
  return ruleOf(r) === ROTATION_REBUILD;
}

export function isRollbackRebuild(r: DeploymentRecord): boolean {
  return ruleOf(r) === ROLLBACK_REBUILD;
}

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

  /**
   * The build that served before `from`: the newest older record that went live and was not
   * rolled back from. The builds `from` rebuilds (a rotation's rebuild of the release) are the
   * same release, not an earlier one.
   */
  async previous(from: string): Promise<ProductionRecord | undefined> {
    const all = await this.records();
    const index = all.findIndex((r) => r.record.targetDeploymentId === from);
    const sameRelease = new Set<string>();
    for (let r = all[index]; r && sameRelease.size < 10; ) {
      const source = rebuildOf(r.record);
      if (!source || sameRelease.has(source)) break;
      sameRelease.add(source);
      r = await this.recordOf(source);
    }
    return all
      .slice(index + 1)
      .find(
        (r) => r.statuses[0]?.state === "success" && !sameRelease.has(r.record.targetDeploymentId as string),
      );
  }

  /**
   * The newest rotation rebuild not marked failed: the project's variables changed just before
   * it was built, so every production build recorded before it holds secrets since replaced.
   */
  async secretsGeneration(): Promise<ProductionRecord | undefined> {
    return (await this.records()).find(
      (r) => isRotationRebuild(r.record) && r.statuses[0]?.state !== "failure",
    );
  }

  /** Built before the newest rotation: its variables (Vercel keeps a build's own) are revoked or soon will be. */
  async staleSecrets(r: ProductionRecord): Promise<boolean> {
    const all = await this.records();
    const generation = await this.secretsGeneration();
    if (!generation) return false;
    return all.indexOf(r) > all.indexOf(generation);
  }

  /**
   * Known-good for a rollback: watched healthy, or a rebuild (rotation, rollback) of a known-good
   * build that went live and has not failed since: same commit, newer variables.
   */
  async restorable(r: ProductionRecord, depth = 0): Promise<boolean> {
    if (isKnownGood(r.statuses)) return true;
    const source = rebuildOf(r.record);
    if (!source || depth > 10 || r.statuses[0]?.state !== "success") return false;
    const origin = await this.recordOf(source);
    return origin !== undefined && (await this.restorable(origin, depth + 1));
  }

  /** The newest restorable build other than those excluded, and whether its secrets are stale. */
  async knownGoodForRollback(
    exclude: readonly string[] = [],
  ): Promise<{ record: ProductionRecord; stale: boolean } | undefined> {
    for (const r of await this.records()) {
      if (exclude.includes(r.record.targetDeploymentId as string)) continue;
      if (await this.restorable(r)) return { record: r, stale: await this.staleSecrets(r) };
    }
    return undefined;
  }

  /** The newest build of `sha` that went live and holds today's secrets, if any. */
  async freshBuildOf(sha: string, exclude: readonly string[] = []): Promise<ProductionRecord | undefined> {
    for (const r of await this.records()) {
      if (r.record.sha !== sha || exclude.includes(r.record.targetDeploymentId as string)) continue;
      if (r.statuses[0]?.state === "success" && !(await this.staleSecrets(r))) return r;
    }
    return undefined;
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
