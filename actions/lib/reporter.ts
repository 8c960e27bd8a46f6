/**
 * What the core may say while it works. The doors decide where it goes:
 * @actions/core in an action, stderr in the CLI, the story's log in the sandbox.
 */
export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export const silentReporter: Reporter = { info() {}, warn() {}, debug() {} };

/** Time, injected so tests and the sandbox never wait for real unless they want to. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
