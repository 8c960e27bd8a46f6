import type { Readable } from "node:stream";

/**
 * Where backups live. Every write is all-or-nothing: the object becomes visible under its name
 * only once every byte is stored, so a reader (a drill, a prune) never sees half a backup.
 */
export interface BackupStore {
  /** A URL naming the store, for messages and manifests: file:///var/backups, gs://bucket/prefix. */
  readonly url: string;
  /** Streams `source` into `name`; published only when the stream ended without error. */
  put(name: string, source: Readable): Promise<{ size: number }>;
  get(name: string): Promise<Readable>;
  /** Names under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(name: string): Promise<void>;
  /** Whether the store itself (directory, bucket) exists; throws when that cannot be told. */
  exists(): Promise<boolean>;
  /**
   * Removes what runs killed mid-write left behind (never visible as objects), and returns its
   * names. Stores whose half-writes expire on their own (GCS resumable uploads) have none.
   */
  sweep?(): Promise<string[]>;
}

/** Object names are paths below the store: no absolute paths, no "..". */
export function checkObjectName(name: string): string {
  if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.split("/").some((p) => p === "." || p === "..")) {
    throw new Error(`Invalid backup object name "${name}"`);
  }
  return name;
}

/** A small JSON object of the store (a manifest, a drill record), parsed. */
export async function readJson(store: BackupStore, name: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(name)) chunks.push(Buffer.from(chunk));
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}
