/**
 * A vendor answered a success whose body is not the JSON it promised (cut short by a proxy, an
 * HTML error page under a JSON content type). Like a 502, it is worth another attempt: the
 * classifiers call it transient, and the final message names the vendor and the endpoint.
 */
export class MalformedResponseError extends Error {
  override readonly name = "MalformedResponseError";
  readonly vendor: string;
  readonly endpoint: string;
  /** `bytes`: the body's length; its text is never quoted (an answer may hold a secret). */
  constructor(vendor: string, endpoint: string, bytes: number) {
    super(`${vendor} answered ${endpoint} with malformed JSON (${bytes} bytes that do not parse)`);
    this.vendor = vendor;
    this.endpoint = endpoint;
  }
  static is(err: unknown): err is MalformedResponseError {
    return err instanceof MalformedResponseError;
  }
}

/** "GET /v13/deployments/dpl_1": the method and path of a request, without its query (which may hold a team id). */
export function endpointOf(method: string, url: string): string {
  try {
    return `${method.toUpperCase()} ${new URL(url).pathname}`;
  } catch {
    return `${method.toUpperCase()} ${url.split("?")[0]}`;
  }
}

/** Whether a content type announces JSON (application/json, application/vnd.github+json, …). */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  return /^application\/([\w.+-]*\+)?json\b/i.test((contentType ?? "").trim());
}

/** Parses a JSON body, or throws MalformedResponseError naming the vendor and the endpoint. */
export function assertJson(vendor: string, endpoint: string, text: string): void {
  try {
    JSON.parse(text);
  } catch {
    throw new MalformedResponseError(vendor, endpoint, Buffer.byteLength(text));
  }
}
