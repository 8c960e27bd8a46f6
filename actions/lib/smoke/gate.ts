import type { Clock, Reporter } from "../reporter.ts";
import type { SmokeConfig } from "./config.ts";
import type { SmokeReport } from "./report.ts";
import { summarize } from "./report.ts";
import type { EnvLookup } from "./secrets.ts";

export interface GateVerdict {
  passed: boolean;
  /** One secret-free line for logs and the GitHub deployment status. */
  summary: string;
  report: SmokeReport;
}

/** What a READY deployment must pass before it takes the staging alias or production. */
export type PromotionGate = (url: string) => Promise<GateVerdict>;

export function smokeGate(
  config: SmokeConfig,
  opts: { clock: Clock; reporter: Reporter; env: EnvLookup },
): PromotionGate {
  return async (url) => {
    // Loaded when first needed: the runner and its histogram are not on the action's start-up path.
    const { runSmoke } = await import("./runner.ts");
    const report = await runSmoke(url, config, opts);
    return { passed: report.passed, summary: summarize(report), report };
  };
}
