import pg from "pg";
import type { Consumer } from "../actions/lib/rotation/rotator.ts";

/**
 * An app's database pool as a rotation consumer: new queries take the new login at once, the
 * old pool is drained, not cut. pg-pool never serves requests already queued once end() is
 * called, so ending it at once would strand them; the old login stays valid through the grace.
 */
export class DrainingPool implements Consumer {
  readonly name = "app database pool";
  pool: pg.Pool | null = null;
  private readonly draining: Promise<void>[] = [];
  private readonly drainMs: number;
  private readonly probe: string;

  constructor(opts: { drainMs?: number; probe?: string } = {}) {
    this.drainMs = opts.drainMs ?? 1_000;
    this.probe = opts.probe ?? "SELECT 1";
  }

  async apply(url: string): Promise<void> {
    const old = this.pool;
    this.pool = new pg.Pool({ connectionString: url, max: 4 });
    this.pool.on("error", () => undefined); // an idle connection dropped: the pool replaces it
    if (old) this.draining.push(new Promise<void>((r) => setTimeout(r, this.drainMs)).then(() => old.end()));
  }

  async verify(): Promise<void> {
    await this.pool?.query(this.probe);
  }

  async close(): Promise<void> {
    await Promise.all(this.draining);
    await this.pool?.end();
  }
}
