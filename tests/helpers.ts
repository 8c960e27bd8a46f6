import { GitHubDeployments } from "../actions/lib/deploy/github-deployments.ts";
import type { Clock, Reporter } from "../actions/lib/reporter.ts";

/**
 * Virtual time: sleep() advances now() by the requested amount at once (yielding a few real
 * milliseconds so emulator timers can fire), and records every wait so tests can assert on backoff.
 */
export function fastClock(realMsPerSleep = 5): Clock & { sleeps: number[] } {
  let offset = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now() + offset,
    sleep: async (ms) => {
      sleeps.push(ms);
      offset += ms;
      await new Promise((r) => setTimeout(r, realMsPerSleep));
    },
  };
}

/** Collects what the core reports, for assertions and canary checks. */
export function recordingReporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
  };
}

export const fastRetry = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 60_000 };

/** GitHub deployment records of a sandbox's repository, through the production client, retrying fast. */
export function sandboxRecords(sandbox: {
  githubToken: string;
  github: { url: string };
  repository: string;
}): GitHubDeployments {
  return new GitHubDeployments({
    token: sandbox.githubToken,
    apiUrl: sandbox.github.url,
    repository: sandbox.repository,
    clock: fastClock(),
    reporter: recordingReporter(),
    retry: fastRetry,
  });
}
