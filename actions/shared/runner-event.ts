import * as core from "@actions/core";
import type { DeployPlan, RouteInput } from "../lib/deploy/gitflow.ts";
import { context } from "./runner-context.ts";

/** The event GitFlow routes, as the runner gives it (a dispatch's inputs: version, reason). */
export function runnerEvent(): Omit<RouteInput, "branches"> {
  return {
    event: context.eventName,
    ref: context.ref,
    headRef: process.env.GITHUB_HEAD_REF,
    inputs: (context.payload.inputs ?? {}) as Record<string, string>,
  };
}

/** Where the run goes, in the log and as outputs, known before anything deploys. */
export function announcePlan(plan: DeployPlan): void {
  core.info(`${plan.rule} → ${plan.environment}${plan.version ? ` ${plan.version}` : ""}`);
  core.setOutput("environment", plan.environment);
  core.setOutput("version", plan.version ?? "");
}
