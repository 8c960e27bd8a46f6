import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { InputError } from "../errors.ts";
import {
  type AuditRecord,
  ConcurrentRotationError,
  IDLE,
  type RotationState,
  type SecretSnapshot,
  type SecretStore,
} from "./store.ts";

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

/**
 * A local secret store: one JSON document encrypted with AES-256-GCM under a 32-byte key, for
 * the sandbox and the CLI. Writes go through a lock file and an atomic rename.
 */
export class EncryptedFileStore implements SecretStore {
  readonly name = "encrypted file";
  private readonly path: string;
  private readonly key: Buffer;

  constructor(path: string, key: Buffer) {
    if (key.length !== 32)
      throw new InputError("store-key", "The file store key must be 32 bytes (64 hex characters)");
    this.path = path;
    this.key = key;
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
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([iv, cipher.getAuthTag(), body]), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  /** Serializes read-modify-write across processes with an exclusive lock file. */
  private async mutate<T>(change: (doc: Document) => T): Promise<T> {
    const lock = `${this.path}.lock`;
    mkdirSync(dirname(this.path), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        closeSync(openSync(lock, "wx"));
        break;
      } catch {
        if (attempt > 200)
          throw new Error(`The store ${this.path} stayed locked; remove ${lock} if no garde run is active`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    try {
      const doc = this.load();
      const result = change(doc);
      this.save(doc);
      return result;
    } finally {
      rmSync(lock, { force: true });
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
