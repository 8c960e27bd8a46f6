import { errorMessage } from "./errors.ts";

export interface GateVerdict {
  passed: boolean;
  /** One line per finding, secret-free. */
  summary: string;
}

/** The check a staged deployment must pass before promotion. */
export type PromotionGate = (url: string) => Promise<GateVerdict>;

/**
 * The minimal gate: the deployment answers its root without a server error.
 * The smoke-test configuration replaces it when one is given.
 */
export function reachabilityGate(timeoutMs = 10_000): PromotionGate {
  return async (url) => {
    try {
      const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
      const passed = response.status < 500;
      return { passed, summary: `GET ${url} answered ${response.status}` };
    } catch (err) {
      return { passed: false, summary: `GET ${url} failed: ${errorMessage(err)}` };
    }
  };
}
