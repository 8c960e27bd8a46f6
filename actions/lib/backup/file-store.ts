import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import type { RunOwner } from "../rotation/lease.ts";
import { type BackupStore, checkObjectName } from "./store.ts";

/** Temporary names start with this: never listed, never a backup. */
const PARTIAL = ".partial-";
/** .partial-HOST-PID-RANDOM: who writes it, so a later run can tell a dead writer's leftover. */
const PARTIAL_NAME = /^\.partial-(.+)-(\d+)-[0-9a-f]{12}$/;
/** A temporary file nobody wrote to for this long is abandoned, whoever wrote it. */
const ABANDONED_MS = 24 * 3_600_000;

/**
 * A local directory (file:///path). Writes go to a hidden temporary file in the same directory
 * and are renamed into place once complete: rename is atomic on one filesystem.
 */
export class DirectoryStore implements BackupStore {
  readonly url: string;
  private readonly root: string;
  private readonly owner: RunOwner | undefined;
  private readonly isAlive: (owner: RunOwner) => boolean;

  /**
   * `owner` (this process) names the temporary files it writes; `isAlive` tells whether another
   * writer of this host still runs. The doors give both; without them no writer is taken for dead.
   */
  constructor(url: string, opts: { owner?: RunOwner; isAlive?: (owner: RunOwner) => boolean } = {}) {
    this.url = url;
    this.root = fileURLToPath(url);
    this.owner = opts.owner;
    this.isAlive = opts.isAlive ?? (() => true);
  }

  private path(name: string): string {
    return join(this.root, checkObjectName(name));
  }

  async put(name: string, source: Readable): Promise<{ size: number }> {
    const final = this.path(name);
    await mkdir(dirname(final), { recursive: true });
    const { host, pid } = this.owner ?? { host: "unknown", pid: 0 };
    const temporary = join(dirname(final), `${PARTIAL}${host}-${pid}-${randomBytes(6).toString("hex")}`);
    try {
      await pipeline(source, createWriteStream(temporary, { flags: "wx" }));
      await rename(temporary, final);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    return { size: (await stat(final)).size };
  }

  async get(name: string): Promise<Readable> {
    const path = this.path(name);
    await stat(path); // a missing object fails here, with ENOENT, not on first read
    return createReadStream(path);
  }

  async list(prefix: string): Promise<string[]> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch((err) => {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    });
    return entries
      .filter((e) => e.isFile() && !e.name.startsWith(PARTIAL))
      .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join("/"))
      .filter((n) => n.startsWith(prefix))
      .sort();
  }

  async delete(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }

  async exists(): Promise<boolean> {
    try {
      return (await stat(this.root)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
  }

  /**
   * Temporary files of writers that are gone: a dead process of this host (SIGKILL, OOM), or no
   * write for a day. A live writer's file is left alone, so a concurrent backup goes on.
   */
  async sweep(): Promise<string[]> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch((err) => {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    });
    const removed: string[] = [];
    for (const e of entries) {
      if (!e.isFile() || !e.name.startsWith(PARTIAL)) continue;
      const path = join(e.parentPath, e.name);
      const owner = PARTIAL_NAME.exec(e.name);
      const writer = owner ? { host: owner[1] as string, pid: Number(owner[2]) } : undefined;
      const gone = writer !== undefined && writer.host === this.owner?.host && !this.isAlive(writer);
      const idle = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (!gone && idle < ABANDONED_MS) continue;
      await rm(path, { force: true });
      removed.push(relative(this.root, path).split(sep).join("/"));
    }
    return removed;
  }
}
