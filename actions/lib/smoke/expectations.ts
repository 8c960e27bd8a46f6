import { isDeepStrictEqual } from "node:util";
import type { SmokeCheck } from "./config.ts";

type StatusPattern = number | string;

export function statusMatches(status: number, expected: StatusPattern | StatusPattern[]): boolean {
  const patterns = Array.isArray(expected) ? expected : [expected];
  return patterns.some((p) =>
    typeof p === "number"
      ? p === status
      : /^[1-5]xx$/.test(p)
        ? Math.floor(status / 100) === Number(p[0])
        : Number(p) === status,
  );
}

/** RFC 6901 JSON pointer lookup; `undefined` when the path does not exist. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  let node: unknown = document;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (node !== null && typeof node === "object" && Object.hasOwn(node, key))
      node = (node as Record<string, unknown>)[key];
    else return undefined;
  }
  return node;
}

export interface Observed {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  latencyMs: number;
}

const DEFAULT_STATUS: StatusPattern[] = ["2xx", "3xx"];

/** Every way a response misses its check, as short secret-free sentences; empty when it passes. */
export function evaluate(check: SmokeCheck, observed: Observed, maxLatencyMs: number | undefined): string[] {
  const failures: string[] = [];
  const e = check.expect;
  const status = e.status ?? DEFAULT_STATUS;
  if (!statusMatches(observed.status, status)) {
    failures.push(`status ${observed.status}, expected ${JSON.stringify(status).replace(/"/g, "")}`);
  }
  for (const text of e.bodyContains === undefined ? [] : [e.bodyContains].flat()) {
    if (!observed.body.includes(text)) failures.push(`body does not contain ${JSON.stringify(text)}`);
  }
  if (e.bodyMatches !== undefined && !new RegExp(e.bodyMatches).test(observed.body)) {
    failures.push(`body does not match /${e.bodyMatches}/`);
  }
  if (e.json?.length) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(observed.body);
    } catch {
      failures.push("body is not JSON");
    }
    if (parsed !== undefined) {
      for (const { pointer, equals } of e.json) {
        const actual = resolvePointer(parsed, pointer);
        if (!isDeepStrictEqual(actual, equals)) {
          failures.push(
            `JSON ${pointer} is ${actual === undefined ? "missing" : JSON.stringify(actual)}, expected ${JSON.stringify(equals)}`,
          );
        }
      }
    }
  }
  for (const [name, rule] of Object.entries(e.headers ?? {})) {
    const raw = observed.headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw.join(", ") : raw;
    const r = typeof rule === "string" ? { equals: rule } : rule;
    if (r.present === false) {
      if (value !== undefined) failures.push(`header ${name} is present, expected absent`);
      continue;
    }
    if (value === undefined) {
      if (r.present || r.equals !== undefined || r.contains !== undefined || r.matches !== undefined) {
        failures.push(`header ${name} is missing`);
      }
      continue;
    }
    if (r.equals !== undefined && value !== r.equals)
      failures.push(`header ${name} is ${JSON.stringify(value)}, expected ${JSON.stringify(r.equals)}`);
    if (r.contains !== undefined && !value.includes(r.contains))
      failures.push(`header ${name} does not contain ${JSON.stringify(r.contains)}`);
    if (r.matches !== undefined && !new RegExp(r.matches).test(value))
      failures.push(`header ${name} does not match /${r.matches}/`);
  }
  if (maxLatencyMs !== undefined && observed.latencyMs > maxLatencyMs) {
    failures.push(`took ${Math.round(observed.latencyMs)} ms, over the ${maxLatencyMs} ms limit`);
  }
  return failures;
}
