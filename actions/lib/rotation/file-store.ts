import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.ts";
import type { RunOwner } from "./lease.ts";
import {
  type AuditRecord,
  ConcurrentRotationError,
  IDLE,
  type RotationState,
  type SecretSnapshot,
  type SecretStore,
} from "./store.ts";

function readFileSyncOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

interface StoredSecret {
  versions: { id: string; value: string; createdAt: string; enabled: boolean }[];
  roles: { current: string | null; pending: string | null; previous: string | null };
  state: RotationState;
  etag: string;
}

interface Document {
  secrets: Record<string, StoredSecret>;
  audit: AuditRecord[];
}

/** What a lock file says: who holds it, since when. */
interface LockOwner extends RunOwner {
  at: number;
}

export interface FileStoreOptions {
  /** This process, written into the lock file (default: this host and pid). */
  owner?: RunOwner | undefined;
  /** Whether a process of this host still runs; without it, only a lock's age makes it stale. */
  isAlive?: ((owner: RunOwner) => boolean) | undefined;
  /** A lock older than this is stale whoever holds it: a write takes milliseconds (default 10 s). */
  staleMs?: number | undefined;
  /** How long a write waits for a live holder's lock before giving up (default 2 s). */
  lockWaitMs?: number | undefined;
}

/**
 * A local secret store: one JSON document encrypted with AES-256-GCM under a 32-byte key, for
 * the sandbox and the CLI. Writes go through a lock file and an atomic rename. The lock file
 * names its holder, so a lock left by a killed process (its pid gone from this host, or older
 * than any write takes) is removed by the next writer, with the temporary files it left.
 */
export class EncryptedFileStore implements SecretStore {
  readonly name = "encrypted file";
  private readonly path: string;
  private readonly key: Buffer;
  private readonly owner: RunOwner;
  private readonly isAlive: (owner: RunOwner) => boolean;
  private readonly staleMs: number;
  private readonly lockWaitMs: number;
  private swept = false;

  constructor(path: string, key: Buffer, opts: FileStoreOptions = {}) {
    if (key.length !== 32)
      throw new InputError("store-key", "The file store key must be 32 bytes (64 hex characters)");
    this.path = path;
    this.key = key;
    this.owner = opts.owner ?? { host: hostname(), pid: process.pid };
    this.isAlive = opts.isAlive ?? (() => true);
    this.staleMs = opts.staleMs ?? 10_000;
    this.lockWaitMs = opts.lockWaitMs ?? 2_000;
  }

  private load(): Document {
    if (!existsSync(this.path)) return { secrets: {}, audit: [] };
    const blob = readFileSync(this.path);
    const iv = blob.subarray(0, 12);
    const tag = blob.subarray(12, 28);
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
    decipher.setAuthTag(tag);
    try {
      return JSON.parse(
        Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString("utf8"),
      );
    } catch {
      throw new InputError("store-key", `Cannot decrypt ${this.path}: wrong key, or the file was altered`);
    }
  }

  private save(doc: Document): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(doc), "utf8"), cipher.final()]);
    const tmp = `${this.path}.${this.owner.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([iv, cipher.getAuthTag(), body]), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  /** Serializes read-modify-write across processes with an exclusive lock file. */
  private async mutate<T>(change: (doc: Document) => T): Promise<T> {
    const lock = `${this.path}.lock`;
    mkdirSync(dirname(this.path), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      if (this.tryLock(lock)) break;
      if (this.breakStaleLock(lock)) continue;
      if (attempt * 10 > this.lockWaitMs)
        throw new Error(
          `The store ${this.path} stayed locked by ${this.lockHolder(lock)}; remove ${lock} if no garde run is active`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
    try {
      if (!this.swept) this.sweepTemporaryFiles();
      const doc = this.load();
      const result = change(doc);
      this.save(doc);
      return result;
    } finally {
      rmSync(lock, { force: true });
    }
  }

  private tryLock(lock: string): boolean {
    let fd: number;
    try {
      fd = openSync(lock, "wx", 0o600);
    } catch {
      return false;
    }
    try {
      const owner: LockOwner = { ...this.owner, at: Date.now() };
      writeSync(fd, JSON.stringify(owner));
    } finally {
      closeSync(fd);
    }
    return true;
  }

  private readLock(path: string): LockOwner | null {
    try {
      const owner = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>;
      if (typeof owner.pid === "number" && typeof owner.host === "string" && typeof owner.at === "number")
        return owner as LockOwner;
    } catch {
      // being written, or a lock from before garde named its holder: judged by its age
    }
    return null;
  }

  private lockHolder(lock: string): string {
    const owner = this.readLock(lock);
    return owner
      ? `pid ${owner.pid} on ${owner.host} since ${new Date(owner.at).toISOString()}`
      : "an unknown process";
  }

  /** A lock whose holder is gone (dead pid on this host) or older than any write: removed. */
  private isStale(path: string): boolean {
    const owner = this.readLock(path);
    if (owner && owner.host === this.owner.host && !this.isAlive(owner)) return true;
    let age: number;
    try {
      age = Date.now() - (owner?.at ?? statSync(path).mtimeMs);
    } catch {
      return false;
    }
    return age > this.staleMs;
  }

  /**
   * Moves a stale lock aside, then checks that what it moved is the lock it judged: if another
   * process broke it first and took a fresh one, that one is put back.
   */
  private breakStaleLock(lock: string): boolean {
    if (!this.isStale(lock)) return false;
    const judged = readFileSyncOrNull(lock);
    const aside = `${lock}.${this.owner.pid}.stale`;
    try {
      renameSync(lock, aside);
    } catch {
      return true; // gone already: try again
    }
    const moved = readFileSyncOrNull(aside);
    if (moved !== judged) {
      try {
        linkSync(aside, lock);
      } catch {
        // someone locked since: theirs stands
      }
    }
    rmSync(aside, { force: true });
    return true;
  }

  /** Temporary files of writers that died between write and rename (this one holds the lock). */
  private sweepTemporaryFiles(): void {
    this.swept = true;
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.`;
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix)) continue;
      const m = /^(?:(\d+)\.tmp|lock\.(\d+)\.stale)$/.exec(name.slice(prefix.length));
      if (!m) continue;
      const pid = Number(m[1] ?? m[2]);
      const path = join(dir, name);
      if (pid === this.owner.pid) continue;
      if (this.isAlive({ host: this.owner.host, pid }) && !this.olderThanStale(path)) continue;
      rmSync(path, { force: true });
    }
  }

  private olderThanStale(path: string): boolean {
    try {
      return Date.now() - statSync(path).mtimeMs > this.staleMs;
    } catch {
      return false;
    }
  }

  private static ensure(doc: Document, secret: string): StoredSecret {
    doc.secrets[secret] ??= {
      versions: [],
      roles: { current: null, pending: null, previous: null },
      state: IDLE,
      etag: randomUUID(),
    };
    return doc.secrets[secret] as StoredSecret;
  }

  async snapshot(secret: string): Promise<SecretSnapshot> {
    return this.mutate((doc) => {
      const s = EncryptedFileStore.ensure(doc, secret);
      return { ...s.roles, state: s.state, etag: s.etag };
    });
  }

  async value(secret: string, version: string): Promise<string> {
    const v = this.load().secrets[secret]?.versions.find((x) => x.id === version);
    if (!v) throw new Error(`Secret ${secret} has no version ${version}`);
    if (!v.enabled) throw new Error(`Version ${version} of secret ${secret} is disabled`);
    return v.value;
  }

  async addVersion(secret: string, value: string): Promise<string> {
    return this.mutate((doc) => {
      const s = EncryptedFileStore.ensure(doc, secret);
      const id = String(s.versions.length + 1);
      s.versions.push({ id, value, createdAt: new Date().toISOString(), enabled: true });
      return id;
    });
  }

  async update(
    secret: string,
    etag: string,
    roles: Pick<SecretSnapshot, "current" | "pending" | "previous">,
    state: RotationState,
  ): Promise<string> {
    return this.mutate((doc) => {
      const s = EncryptedFileStore.ensure(doc, secret);
      if (s.etag !== etag)
        throw new ConcurrentRotationError(
          `Secret ${secret} changed under this run (another rotation is active)`,
        );
      s.roles = { current: roles.current, pending: roles.pending, previous: roles.previous };
      s.state = state;
      s.etag = randomUUID();
      return s.etag;
    });
  }

  async disable(secret: string, version: string): Promise<void> {
    await this.mutate((doc) => {
      const v = doc.secrets[secret]?.versions.find((x) => x.id === version);
      if (v) v.enabled = false;
    });
  }

  async enabled(secret: string, version: string): Promise<boolean> {
    return this.load().secrets[secret]?.versions.find((x) => x.id === version)?.enabled === true;
  }

  async audit(record: AuditRecord): Promise<void> {
    await this.mutate((doc) => {
      doc.audit.push(record);
    });
  }

  /** The audit trail, oldest first. */
  auditTrail(): AuditRecord[] {
    return this.load().audit;
  }
}
