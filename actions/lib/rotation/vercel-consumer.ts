import type { GitHubDeployments } from "../deploy/github-deployments.ts";
import { acquireLease } from "../deploy/lease.ts";
import { waitReady } from "../deploy/wait-ready.ts";
import { errorMessage } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { ROTATION_REBUILT, rotationRebuildPayload, SUPERSEDED } from "../rollback/known-good.ts";
import type { GateVerdict } from "../smoke/gate.ts";
import type { DeployTarget, EnvironmentVariables } from "../targets/target.ts";
import type { Consumer } from "./rotator.ts";

export interface VercelConsumerOptions {
  target: DeployTarget;
  env: EnvironmentVariables;
  /** The variable the app reads (API_TOKEN), and the one holding the value still accepted (API_TOKEN_PREVIOUS). */
  key: string;
  previousKey?: string | undefined;
  /** The smoke checks, given the value under test (for a header such as Bearer ${API_TOKEN}). */
  check: (url: string, env: Record<string, string>) => Promise<GateVerdict>;
  clock: Clock;
  reporter: Reporter;
  readyTimeoutMs: number;
  pollIntervalMs: number;
  /**
   * Where the rebuild is recorded as a production deployment (a rotation rebuild), so rollback
   * knows which builds carry today's secrets. Without it the rebuild goes unrecorded.
   */
  github?: GitHubDeployments | undefined;
}

/**
 * A Vercel project's sensitive variable. Variables reach an app only through a new build, so
 * verify() rebuilds what production serves as a staged deployment, checks it with the new
 * value, and promotes it only if the checks pass: a refused value never reaches users.
 */
export class VercelEnvConsumer implements Consumer {
  readonly name: string;
  private readonly opts: VercelConsumerOptions;
  private value: string | null = null;

  constructor(opts: VercelConsumerOptions) {
    this.opts = opts;
    this.name = `Vercel ${opts.key}`;
  }

  async apply(value: string, previous: string | null): Promise<void> {
    await this.opts.env.setSensitive(this.opts.key, value);
    if (this.opts.previousKey && previous !== null)
      await this.opts.env.setSensitive(this.opts.previousKey, previous);
    this.value = value;
  }

  /**
   * Removes previousKey from the project, then rebuilds production the way verify() does (staged,
   * checked with the current value, promoted): the build users reach no longer has the previous
   * value. Builds made before keep it, which is why revocation waits for rollback targets.
   */
  async revoke(current: string): Promise<void> {
    const { previousKey, reporter } = this.opts;
    if (!previousKey) return;
    await this.opts.env.removeVariable(previousKey);
    this.value = current;
    await this.verify();
    reporter.info(`${this.name}: ${previousKey} removed; production no longer holds the previous value`);
  }

  async verify(): Promise<void> {
    // A deploy may promote a newer commit while the rebuild builds: then the rebuild, of an older
    // commit, must not replace it; the newer live build is rebuilt instead.
    for (let round = 1; round <= 3; round++) {
      if ((await this.rebuildLive()) === "promoted") return;
    }
    throw new Error("production moved to another build three times during the rotation rebuild");
  }

  /** A staged build of the live commit (it takes the project's variables as they are now), recorded on GitHub. */
  private async stageRebuild(liveId: string) {
    const { target, clock, github } = this.opts;
    const { sha } = await target.get(liveId);
    if (!sha) throw new Error(`deployment ${liveId} does not say which commit it was built from`);
    // The variable was set before this moment: every build from here on carries the new value.
    const secretsSetAt = new Date(clock.now()).toISOString();
    const staged = await target.create({
      sha,
      branch: "main",
      environment: "production",
      staged: true,
      meta: { gardeRotation: this.opts.key },
    });
    const record = github
      ? await github.ensure({
          sha,
          environment: "production",
          description: `garde: rotation rebuild of ${liveId} with a new ${this.opts.key}`,
          targetDeploymentId: staged.id,
          payload: rotationRebuildPayload({
            key: this.opts.key,
            rebuildOf: liveId,
            secretsSetAt,
            platform: target.platform,
            url: staged.url,
          }),
        })
      : null;
    return { staged, record, secretsSetAt };
  }

  /** Rebuilds what production serves with the new value, checks it, promotes it unless production moved meanwhile. */
  private async rebuildLive(): Promise<"promoted" | "production moved"> {
    const { target, clock, reporter, github } = this.opts;
    const live = await target.currentProduction();
    if (!live) throw new Error("production serves nothing to rebuild");
    const { staged, record, secretsSetAt } = await this.stageRebuild(live.id);
    try {
      const ready = await waitReady(target, staged.id, {
        timeoutMs: this.opts.readyTimeoutMs,
        pollIntervalMs: this.opts.pollIntervalMs,
        clock,
        reporter,
      });
      const verdict = await this.opts.check(
        ready.url,
        this.value === null ? {} : { [this.opts.key]: this.value },
      );
      if (!verdict.passed)
        throw new Error(`the rebuilt deployment ${ready.id} failed its checks: ${verdict.summary}`);
      // Promote as a deploy does: under production's lease, and only over the build it rebuilt.
      if (github && record !== null)
        await acquireLease({
          github,
          environment: "production",
          recordId: record,
          holder: ready.id,
          clock,
          reporter,
          pollMs: Math.max(this.opts.pollIntervalMs, 1_000),
          finished: async (holder) => (await target.currentProduction())?.id === holder,
        });
      const now = await target.currentProduction();
      if (now?.id !== live.id) {
        reporter.info(
          `${this.name}: production moved from ${live.id} to ${now?.id ?? "nothing"} during the rebuild; rebuilding that instead`,
        );
        if (github && record !== null)
          await github.setStatus(record, "inactive", {
            description: `${SUPERSEDED}: production moved to ${now?.id ?? "nothing"} during the rotation rebuild`,
          });
        return "production moved";
      }
      await target.promote(ready.id);
      reporter.info(`${this.name}: production now runs ${ready.id}, built with the new value`);
    } catch (err) {
      if (github && record !== null)
        await github
          .setStatus(record, "failure", {
            description: `Rotation rebuild not promoted: ${errorMessage(err)}`,
          })
          .catch((e) =>
            reporter.warn(`Could not mark GitHub deployment ${record} failed: ${errorMessage(e)}`),
          );
      throw err;
    }
    if (github && record !== null)
      await github.setStatus(record, "success", {
        description: `${ROTATION_REBUILT}: ${staged.id} (${this.opts.key} set at ${secretsSetAt})`,
      });
    return "promoted";
  }
}
