import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Storage } from "@google-cloud/storage";
import { type BackupStore, checkObjectName } from "./store.ts";

const DEFAULT_CHUNK = 16 * 1024 * 1024;

/**
 * Google Cloud Storage (gs://bucket/prefix) through @google-cloud/storage. Every object is sent
 * as a resumable upload: GCS makes an object visible only when its upload is finalized, so a
 * reader never sees half a backup, and a failed chunk is retried from what the server kept.
 */
export class GcsStore implements BackupStore {
  readonly url: string;
  private readonly storage: Storage;
  private readonly bucket: string;
  private readonly prefix: string;

  private readonly chunkSize: number;

  /**
   * chunkSize: bytes per upload request, a multiple of 256 KiB. 16 MiB by default (the Go client's
   * default): a failed request resends one chunk, where the client's single-request mode would
   * have to start a multi-gigabyte dump over; memory holds one chunk, whatever the dump's size.
   */
  constructor(url: string, storage: Storage, opts: { chunkSize?: number } = {}) {
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
    const parsed = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*?))?\/?$/.exec(url);
    if (!parsed) throw new Error(`Not a gs:// URL: ${url}`);
    this.url = url.replace(/\/$/, "");
    this.storage = storage;
    this.bucket = parsed[1] as string;
    this.prefix = parsed[2] ? `${parsed[2]}/` : "";
  }

  private file(name: string) {
    return this.storage.bucket(this.bucket).file(`${this.prefix}${checkObjectName(name)}`);
  }

  async put(name: string, source: Readable): Promise<{ size: number }> {
    const file = this.file(name);
    // A generation precondition makes the upload safe to retry (the client retries only then) and
    // refuses to overwrite an object another run wrote meanwhile. 0: the object must not exist yet.
    const [exists] = await file.exists();
    const generation = exists ? Number((await file.getMetadata())[0].generation) : 0;
    let size = 0;
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(
      source,
      counting,
      file.createWriteStream({
        resumable: true,
        preconditionOpts: { ifGenerationMatch: generation },
        validation: "crc32c",
        chunkSize: this.chunkSize,
      }),
    );
    return { size };
  }

  async get(name: string): Promise<Readable> {
    const file = this.file(name);
    const [exists] = await file.exists();
    if (!exists) throw Object.assign(new Error(`No object ${this.url}/${name}`), { code: "ENOENT" });
    return file.createReadStream({ validation: "crc32c" });
  }

  async list(prefix: string): Promise<string[]> {
    const [files] = await this.storage
      .bucket(this.bucket)
      .getFiles({ prefix: `${this.prefix}${prefix}`, autoPaginate: true });
    return files.map((f) => f.name.slice(this.prefix.length)).sort();
  }

  async exists(): Promise<boolean> {
    const [exists] = await this.storage.bucket(this.bucket).exists();
    return exists;
  }

  async delete(name: string): Promise<void> {
    await this.file(name).delete({ ignoreNotFound: true });
  }
}
