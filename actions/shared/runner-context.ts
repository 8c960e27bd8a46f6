import { existsSync, readFileSync } from "node:fs";

/**
 * The run as the runner describes it (GITHUB_* variables and the event payload), read the way
 * @actions/github's context reads it, without loading @actions/github: its HTTP stack (undici,
 * ~400 KiB) would otherwise be parsed before an action's first request.
 */
export interface RunnerContext {
  eventName: string;
  sha: string;
  ref: string;
  actor: string;
  runId: number;
  runAttempt: number;
  serverUrl: string;
  /** The event payload (GITHUB_EVENT_PATH); {} when there is none. */
  payload: {
    inputs?: Record<string, unknown>;
    pull_request?: { number?: number; head?: { sha?: string } };
    [key: string]: unknown;
  };
  repo: { owner: string; repo: string };
}

function readPayload(path: string | undefined): RunnerContext["payload"] {
  if (!path || !existsSync(path)) return {};
  return JSON.parse(readFileSync(path, "utf8")) as RunnerContext["payload"];
}

function readContext(env: NodeJS.ProcessEnv): RunnerContext {
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const fromPayload = payload.repository as { name?: string; owner?: { login?: string } } | undefined;
  const [owner = fromPayload?.owner?.login ?? "", repo = fromPayload?.name ?? ""] = (
    env.GITHUB_REPOSITORY ?? ""
  ).split("/");
  return {
    eventName: env.GITHUB_EVENT_NAME ?? "",
    sha: env.GITHUB_SHA ?? "",
    ref: env.GITHUB_REF ?? "",
    actor: env.GITHUB_ACTOR ?? "",
    runId: Number.parseInt(env.GITHUB_RUN_ID ?? "", 10),
    runAttempt: Number.parseInt(env.GITHUB_RUN_ATTEMPT ?? "", 10),
    serverUrl: env.GITHUB_SERVER_URL ?? "https://github.com",
    payload,
    repo: { owner, repo },
  };
}

export const context: RunnerContext = readContext(process.env);
