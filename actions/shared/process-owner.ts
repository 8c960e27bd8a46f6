import { hostname } from "node:os";
import type { RunOwner } from "../lib/rotation/lease.ts";

/** This process, as a lease records its holder. */
export function thisProcess(): RunOwner {
  return { host: hostname(), pid: process.pid };
}

/** This process and the probe of others: what the stores and the lease need to tell a dead writer. */
export function processProbe(): { owner: RunOwner; isAlive: (owner: RunOwner) => boolean } {
  return { owner: thisProcess(), isAlive: isAliveHere };
}

/**
 * Whether a process of this host still runs: signal 0 checks without signalling. EPERM means it
 * runs under another user; only ESRCH (no such process) means it is gone.
 */
export function isAliveHere(owner: RunOwner): boolean {
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
