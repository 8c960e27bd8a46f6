import type { IncomingMessage, ServerResponse } from "node:http";
/**
 * A path's answer from routes.json at the commit. productionOnly: the path breaks only while the
 * build serves production (a production-only secret or database), so pre-promotion checks pass.
 */
export interface RouteOverride {
  status?: number;
  body?: string;
  delayMs?: number;
  productionOnly?: boolean;
}

/** A build of the sample app that answers HTTP: a Vercel deployment, or a pod on the cluster. */
export interface ServedBuild {
  id: string;
  readyState: string;
  files: Map<string, Buffer>;
  routes: Record<string, RouteOverride>;
  /** The variables it was built or started with: API_TOKEN(_PREVIOUS), READ_ONLY_MODE, RATE_LIMIT_GLOBAL. */
  env: Record<string, string>;
  /** Answers injected by tests, per path, one per request: a status, or 0 for the real answer. */
  appFaults: Map<string, number[]>;
}

export interface AppServingContext {
  /** Whether the build serves production now (production-only routes break only then). */
  isLive(d: ServedBuild): boolean;
  /** Runs fn after ms, cancelled when the emulator stops. */
  later(ms: number, fn: () => void): void;
}

function contentTypeOf(path: string): string {
  if (path === "/" || path.endsWith(".html")) return "text/html; charset=utf-8";
  if (path === "/healthz") return "application/json";
  return "text/plain";
}

interface AppAnswer {
  status: number;
  type: string;
  body: string | Buffer;
}

const text = (status: number, body: string): AppAnswer => ({ status, type: "text/plain", body });

/**
 * What a deployment answers on its own host, as Vercel's edge would for a static build: its files,
 * routes.json overrides, injected faults, and the sample app's one API (/api/key-check).
 */
function answerFor(d: ServedBuild, path: string, req: IncomingMessage, ctx: AppServingContext): AppAnswer {
  if (d.readyState !== "READY") {
    const failed = d.readyState === "ERROR" || d.readyState === "CANCELED";
    return failed ? text(404, "DEPLOYMENT_NOT_FOUND\n") : text(503, "The deployment is building\n");
  }
  const fault = d.appFaults.get(path)?.shift();
  if (fault) return text(fault, "injected fault\n");
  // The sample app's API checks a bearer token against its API_TOKEN, accepting API_TOKEN_PREVIOUS
  // too during a rotation's overlap.
  if (path === "/api/key-check") {
    const sent = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
    const accepted = [d.env.API_TOKEN, d.env.API_TOKEN_PREVIOUS].filter(Boolean);
    const ok = sent !== undefined && accepted.includes(sent);
    return { status: ok ? 200 : 401, type: "application/json", body: JSON.stringify({ ok }) };
  }
  // The runbook's maintenance switch: with READ_ONLY_MODE=true the API refuses writes.
  if (d.env.READ_ONLY_MODE === "true" && req.method !== "GET" && req.method !== "HEAD") {
    return { status: 503, type: "application/json", body: JSON.stringify({ error: "read-only mode" }) };
  }
  const override = d.routes[path];
  if (override && (!override.productionOnly || ctx.isLive(d))) {
    return text(override.status ?? 200, override.body ?? "");
  }
  const file = d.files.get(path === "/" ? "/index.html" : path);
  if (!file) return text(404, "NOT_FOUND\n");
  return { status: 200, type: contentTypeOf(path), body: file };
}

/** Serves one request to a deployment, after the delay its routes.json gives the path. */
export function serveDeployment(
  d: ServedBuild,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AppServingContext,
): void {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  const send = () => {
    const answer = answerFor(d, path, req, ctx);
    res.writeHead(answer.status, {
      "x-vercel-id": `sandbox::${d.id}`,
      "x-garde-deployment": d.id,
      "content-type": answer.type,
      ...(d.env.READ_ONLY_MODE === "true" ? { "x-read-only-mode": "true" } : {}),
      ...(d.env.RATE_LIMIT_GLOBAL ? { "x-ratelimit-limit": d.env.RATE_LIMIT_GLOBAL } : {}),
    });
    res.end(answer.body);
  };
  const delay = d.readyState === "READY" ? (d.routes[path]?.delayMs ?? 0) : 0;
  if (delay > 0) ctx.later(delay, send);
  else send();
}
