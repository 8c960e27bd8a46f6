import { CheckFailedError } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { type DeployTarget, FAILED_STATES, type TargetDeployment } from "../targets/target.ts";

export interface WaitReadyOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  clock: Clock;
  reporter: Reporter;
}

/**
 * Polls a deployment until READY. A build that ends in ERROR, CANCELED or BLOCKED fails with
 * its state and message; one still not READY at the deadline fails with the last state seen.
 */
export async function waitReady(
  target: DeployTarget,
  id: string,
  opts: WaitReadyOptions,
): Promise<TargetDeployment> {
  const started = opts.clock.now();
  let lastState = "";
  // Bounded by the deadline below, and by a count should the clock not move (a fake one).
  const maxPolls = Math.ceil(opts.timeoutMs / Math.max(1, opts.pollIntervalMs)) + 2;
  for (let poll = 1; ; poll++) {
    const deployment = await target.get(id);
    if (deployment.state !== lastState) {
      const elapsed = ((opts.clock.now() - started) / 1000).toFixed(1);
      opts.reporter.info(`Deployment ${id} is ${deployment.state} (${elapsed} s)`);
      lastState = deployment.state;
    }
    if (deployment.state === "READY") return deployment;
    if (FAILED_STATES.has(deployment.state)) {
      const why = deployment.errorMessage ? `: ${deployment.errorMessage}` : "";
      throw new CheckFailedError(`Deployment ${id} on ${target.platform} ended in ${deployment.state}${why}`);
    }
    if (opts.clock.now() - started >= opts.timeoutMs || poll >= maxPolls) {
      throw new CheckFailedError(
        `Deployment ${id} on ${target.platform} was still ${deployment.state} after ${Math.round(opts.timeoutMs / 1000)} s; raise ready-timeout or look at the build log`,
      );
    }
    await opts.clock.sleep(opts.pollIntervalMs);
  }
}
