import { hostname } from "node:os";

/** Who holds a lock or writes a temporary file: enough to tell later whether it is still there. */
export interface ProcessOwner {
  host: string;
  pid: number;
}

export const thisProcess = (): ProcessOwner => ({ host: hostname(), pid: process.pid });

/**
 * Whether the owner is certainly gone: a process of this host that no longer exists. Signal 0
 * probes without touching it; EPERM means it lives under another user. A process on another
 * host cannot be probed: it is not known to be gone.
 */
export function ownerIsGone(owner: ProcessOwner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}
