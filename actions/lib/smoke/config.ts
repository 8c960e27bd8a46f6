import * as z from "zod";
import { InputError } from "../errors.ts";
import { readYaml, YamlSyntaxError } from "../yaml-text.ts";
import { strictObject } from "../zod-strict.ts";

/**
 * The smoke configuration: what a deployment must answer before it is promoted. Written in
 * YAML (or given inline to the action); validated here; a JSON Schema generated from this
 * module (schemas/smoke.schema.json) gives editors completion.
 */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** "500ms", "2s", "1m", "1h" or a number of milliseconds → milliseconds. */
const badDuration = (iss: { input?: unknown }) =>
  `${JSON.stringify(iss.input)} is not a duration; use a number of milliseconds, or "500ms", "2s", "1m", "1h"`;

export const duration = z
  .union(
    [
      z.number({ error: badDuration }).nonnegative({ error: badDuration }),
      z.string().regex(DURATION, { error: badDuration }),
    ],
    {
      error: badDuration,
    },
  )
  .transform((value) => {
    if (typeof value === "number") return value;
    const [, amount, unit] = DURATION.exec(value.trim()) as RegExpExecArray;
    const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
    return Number(amount) * scale[(unit ?? "ms") as keyof typeof scale];
  })
  .meta({ description: 'Milliseconds, or a string such as "500ms", "2s", "1m", "1h".' });

/** Milliseconds as a person writes them back: 1500 → "1.5s", 600000 → "10m". */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 360_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 6_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * A duration within [min, max] milliseconds. Every wait garde makes has a floor (a loop never
 * spins against a live site) and a ceiling (a run always ends).
 */
export const boundedDuration = (min: number, max: number) =>
  duration.refine((ms) => ms >= min && ms <= max, {
    error: `must be between ${formatDuration(min)} and ${formatDuration(max)}`,
  });

/** One expected status: a code (200) or a class ("2xx"). */
const badStatus = (iss: { input?: unknown }) =>
  `unknown status pattern ${JSON.stringify(iss.input)}; use a code (200), a list ([200, 301]) or a class (2xx)`;
const statusPattern = z.union(
  [
    z.number().int({ error: badStatus }).min(100, { error: badStatus }).max(599, { error: badStatus }),
    z.string().regex(/^([1-5]xx|[1-5]\d\d)$/, { error: badStatus }),
  ],
  { error: badStatus },
);

export const statusExpectation = z
  .union([statusPattern, z.array(statusPattern).min(1)], { error: badStatus })
  .meta({ description: 'Expected status: a code (200), a class ("2xx") or a list of them ([200, "3xx"]).' });

const regex = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${(err as Error).message}` });
  }
});

const headerExpectation = z.union([
  z.string().meta({ description: "The header must equal this value." }),
  strictObject({
    equals: z.string().optional(),
    contains: z.string().optional(),
    matches: regex.optional(),
    present: z
      .boolean()
      .optional()
      .meta({ description: "true: the header must be sent; false: it must not be." }),
  }),
]);

const jsonPointer = z
  .string()
  .regex(/^(\/([^~/]|~[01])*)*$/, { error: 'must be a JSON pointer such as "/status" or "/items/0/id"' });

const expectation = strictObject({
  status: statusExpectation.optional(),
  bodyContains: z.union([z.string(), z.array(z.string())]).optional(),
  bodyMatches: regex.optional(),
  json: z
    .array(strictObject({ pointer: jsonPointer, equals: z.unknown() }))
    .optional()
    .meta({ description: "Values the JSON body must hold at these JSON pointers." }),
  headers: z.record(z.string(), headerExpectation).optional(),
});

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

const check = strictObject({
  name: z.string().min(1).optional(),
  path: z.string().startsWith("/", { error: 'must start with "/", e.g. /healthz' }),
  method: z.enum(METHODS, { error: `must be one of ${METHODS.join(", ")}` }).default("GET"),
  headers: z.record(z.string(), z.string()).optional().meta({
    description: "Request headers. ${NAME} is replaced by the environment variable NAME at run time, masked.",
  }),
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  expect: expectation.default({}),
  maxLatency: boundedDuration(1, 300_000).optional(),
  followRedirects: z.boolean().optional(),
});

const threshold = z.number().nonnegative();

const load = strictObject({
  requests: z.number().int().min(1).max(100_000).default(50),
  concurrency: z.number().int().min(1).max(256).default(5),
  paths: z
    .array(z.string().startsWith("/", { error: 'must start with "/"' }))
    .min(1)
    .default(["/"]),
  headers: z.record(z.string(), z.string()).optional(),
  thresholds: strictObject({
    errorRate: threshold.max(1).default(0.01).meta({ description: "Largest share of failed requests, 0–1." }),
    p50: boundedDuration(1, 300_000).optional(),
    p95: boundedDuration(1, 300_000).default(2000),
    p99: boundedDuration(1, 300_000).optional(),
  }).default({ errorRate: 0.01, p95: 2000 }),
});

export const smokeConfigSchema = strictObject({
  $schema: z.string().optional(),
  retries: strictObject({
    attempts: z.number().int().min(1).max(20).default(3),
    backoff: boundedDuration(0, 60_000).default(1000),
  })
    .default({ attempts: 3, backoff: 1000 })
    .meta({ description: "Attempts per check, with doubling backoff: covers cold starts." }),
  deadline: boundedDuration(100, 3_600_000)
    .default(120_000)
    .meta({ description: "The whole run, checks and load, must end by then." }),
  timeout: boundedDuration(10, 300_000).default(10_000).meta({ description: "One request's time limit." }),
  concurrency: z.number().int().min(1).max(32).default(4),
  defaults: strictObject({
    maxLatency: boundedDuration(1, 300_000).optional(),
    followRedirects: z.boolean().optional(),
  }).default({}),
  checks: z
    .array(check, {
      error: (iss) =>
        iss.input === undefined
          ? "is required: list at least one check, e.g. checks: [{ path: /healthz }]"
          : "must be a list of checks",
    })
    .min(1, { error: "needs at least one check" })
    .max(200, { error: "has more than 200 checks; split them across smoke configs" }),
  load: load.optional(),
});

export type SmokeConfig = z.output<typeof smokeConfigSchema>;
export type SmokeCheck = SmokeConfig["checks"][number];
export type LoadConfig = NonNullable<SmokeConfig["load"]>;

/** What garde checks when a deploy has no smoke configuration: the root answers 2xx or 3xx. */
export const DEFAULT_SMOKE_CONFIG: SmokeConfig = smokeConfigSchema.parse({
  retries: { attempts: 3, backoff: "1s" },
  checks: [{ name: "home", path: "/", expect: { status: ["2xx", "3xx"] } }],
});

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    "",
  );
}

/**
 * Parses YAML text into a validated config. `source` names the file (or "inline config") in
 * every message; each problem is one line: source, field path, what is allowed.
 */
export function parseSmokeConfig(text: string, source: string): SmokeConfig {
  let document: unknown;
  try {
    document = readYaml(text);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    throw new InputError(
      "config",
      `The smoke config is not valid YAML:\n- ${source}:${err.line}:${err.column}: ${err.reason}`,
    );
  }
  const result = smokeConfigSchema.safeParse(document ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (issue) => `- ${source}: ${pathText(issue.path) || "(top level)"}: ${issue.message}`,
  );
  throw new InputError("config", `The smoke config is invalid:\n${lines.join("\n")}`);
}
