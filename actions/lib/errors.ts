/**
 * Error kinds garde distinguishes, each tied to an exit code the doors use:
 * 0 done, 1 a check or verification failed, 2 bad input or configuration.
 * Callers branch on the kind through the static predicates, never on message text.
 */

/** Bad input or configuration: the message names the field and the fix. Exit 2. */
export class InputError extends Error {
  override readonly name: string = "InputError";
  readonly field: string;
  /** One entry per bad input, so a door can name each the way its users pass it (flag, env, input). */
  readonly issues: readonly InputIssue[];
  constructor(field: string, message: string, issues: readonly InputIssue[] = []) {
    super(message);
    this.field = field;
    this.issues = issues;
  }
  static is(err: unknown): err is InputError {
    return err instanceof InputError;
  }
}

export interface InputIssue {
  field: string;
  message: string;
}

/** A platform call failed after its retries. Exit 1. */
export class PlatformError extends Error {
  override readonly name = "PlatformError";
  readonly operation: string;
  readonly status: number | undefined;
  readonly attempts: number;
  constructor(operation: string, detail: string, opts: { status?: number; attempts: number }) {
    const tries = opts.attempts > 1 ? ` after ${opts.attempts} attempts` : "";
    super(`Failed to ${operation}: ${detail}${tries}`);
    this.operation = operation;
    this.status = opts.status;
    this.attempts = opts.attempts;
  }
  static is(err: unknown): err is PlatformError {
    return err instanceof PlatformError;
  }
}

/** A deployment or check reached a failed state (build ERROR, timeout, failed check). Exit 1. */
export class CheckFailedError extends Error {
  override readonly name: string = "CheckFailedError";
  /** Structured evidence of the failure (a smoke report), for summaries. */
  readonly evidence: unknown;
  constructor(message: string, evidence?: unknown) {
    super(message);
    this.evidence = evidence;
  }
  static is(err: unknown): err is CheckFailedError {
    return err instanceof CheckFailedError;
  }
}

/** Text of anything thrown, including strings and plain objects. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

/** The platform refused who we are or what we named: a token, a project, a repository, an id. */
const CONFIGURATION_STATUSES = new Set([401, 403, 404]);

export function exitCodeFor(err: unknown): 1 | 2 {
  if (InputError.is(err)) return 2;
  if (PlatformError.is(err) && err.status !== undefined && CONFIGURATION_STATUSES.has(err.status)) return 2;
  return 1;
}
