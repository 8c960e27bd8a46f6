import { waitReady } from "../deploy/wait-ready.ts";
import type { Clock, Reporter } from "../reporter.ts";
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
    const { target, clock, reporter } = this.opts;
    const live = await target.currentProduction();
    if (!live) throw new Error("production serves nothing to rebuild");
    const built = await target.get(live.id);
    if (!built.sha) throw new Error(`deployment ${live.id} does not say which commit it was built from`);
    const staged = await target.create({
      sha: built.sha,
      branch: "main",
      environment: "production",
      staged: true,
      meta: { gardeRotation: this.opts.key },
    });
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
    await target.promote(ready.id);
    reporter.info(`${this.name}: production now runs ${ready.id}, built with the new value`);
  }
}
