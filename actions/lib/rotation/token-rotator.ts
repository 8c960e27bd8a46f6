import { randomBytes } from "node:crypto";
import type { Rotator } from "./rotator.ts";

/**
 * An app-owned API token: random, URL-safe, prefixed so leaked tokens are recognizable by
 * scanners. The app accepts current and previous during the overlap; revocation is the store
 * disabling the old version, which the app stops accepting on its next read.
 */
export class TokenRotator implements Rotator {
  readonly kind = "token";
  private readonly prefix: string;
  private readonly bytes: number;

  constructor(opts: { prefix?: string; bytes?: number } = {}) {
    this.prefix = opts.prefix ?? "grd_";
    this.bytes = opts.bytes ?? 32;
  }

  async generate(): Promise<string> {
    return `${this.prefix}${randomBytes(this.bytes).toString("base64url")}`;
  }

  async test(value: string): Promise<void> {
    if (!value.startsWith(this.prefix) || value.length < this.prefix.length + 32)
      throw new Error("the token is malformed");
  }

  async revoke(): Promise<void> {}
}
