import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Rotator } from "./rotator.ts";

export interface PostgresRotatorOptions {
  /** A role allowed to ALTER the two login roles (CREATEROLE). */
  adminUrl: string;
  /** The two login roles that take turns; both members of the app's group role. */
  roles: readonly [string, string];
}

/**
 * Alternating users (as AWS Secrets Manager's strategy): the role not in use gets a new
 * password, consumers switch to it, the other keeps working until it is revoked after the
 * grace period. No connection is ever refused mid-rotation.
 */
export class PostgresRotator implements Rotator {
  readonly kind = "postgres";
  private readonly opts: PostgresRotatorOptions;

  constructor(opts: PostgresRotatorOptions) {
    this.opts = opts;
  }

  private async admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.opts.adminUrl, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** The role a connection URL logs in as. */
  static roleOf(url: string): string {
    return decodeURIComponent(new URL(url).username);
  }

  async generate(current: string | null): Promise<string> {
    const [blue, green] = this.opts.roles;
    const next = current && PostgresRotator.roleOf(current) === blue ? green : blue;
    const password = randomBytes(24).toString("base64url");
    await this.admin((c) =>
      c.query(`ALTER ROLE ${c.escapeIdentifier(next)} WITH LOGIN PASSWORD ${c.escapeLiteral(password)}`),
    );
    const url = new URL(this.opts.adminUrl);
    url.username = encodeURIComponent(next);
    url.password = encodeURIComponent(password);
    return url.toString();
  }

  async test(value: string): Promise<void> {
    const client = new pg.Client({ connectionString: value, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
    } catch (err) {
      // pg's messages never include the password; keep only the reason.
      throw new Error(
        `cannot log in as ${PostgresRotator.roleOf(value)}: ${(err as { code?: string }).code ?? ""} ${(err as Error).message}`.trim(),
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async revoke(previous: string): Promise<void> {
    const role = PostgresRotator.roleOf(previous);
    // New logins with the old password fail; sessions already open finish their work.
    await this.admin((c) => c.query(`ALTER ROLE ${c.escapeIdentifier(role)} WITH PASSWORD NULL`));
  }
}
