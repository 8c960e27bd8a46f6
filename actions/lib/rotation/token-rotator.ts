import { randomBytes } from "node:crypto";
import type { Rotator } from "./rotator.ts";

export interface TokenIssuer {
  /** The issuer's revocation endpoint (RFC 7009). */
  url: string;
  /** The Authorization header it wants (Basic client credentials, or Bearer), if any. */
  authorization?: string | undefined;
}

/**
 * An app-owned API token: random, URL-safe, prefixed so leaked tokens are recognizable by
 * scanners. The app accepts current and previous during the overlap; revocation removes the old
 * one from every consumer (see rotate.ts) and, when the token has an issuer, asks it to revoke the
 * value (OAuth 2.0 Token Revocation, RFC 7009), so a copy held elsewhere stops working too.
 */
export class TokenRotator implements Rotator {
  readonly kind = "token";
  private readonly prefix: string;
  private readonly bytes: number;
  private readonly issuer: TokenIssuer | undefined;
  private readonly fetch: typeof globalThis.fetch;

  constructor(
    opts: {
      prefix?: string;
      bytes?: number;
      issuer?: TokenIssuer | undefined;
      fetch?: typeof globalThis.fetch;
    } = {},
  ) {
    this.prefix = opts.prefix ?? "grd_";
    this.bytes = opts.bytes ?? 32;
    this.issuer = opts.issuer;
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  async generate(): Promise<string> {
    return `${this.prefix}${randomBytes(this.bytes).toString("base64url")}`;
  }

  async test(value: string): Promise<void> {
    if (!value.startsWith(this.prefix) || value.length < this.prefix.length + 32)
      throw new Error("the token is malformed");
  }

  /** RFC 7009: the issuer answers 200 for a token it revoked and for one it never knew, so twice is harmless. */
  async revoke(value: string): Promise<void> {
    if (!this.issuer) return;
    const { url, authorization } = this.issuer;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(authorization ? { authorization } : {}),
        },
        body: new URLSearchParams({ token: value, token_type_hint: "access_token" }).toString(),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new Error(`Failed to revoke a token at ${url}: ${(err as Error).name}`);
    }
    await response.body?.cancel();
    if (response.status !== 200)
      throw new Error(`Failed to revoke a token at ${url}: HTTP ${response.status}, expected 200 (RFC 7009)`);
  }
}
