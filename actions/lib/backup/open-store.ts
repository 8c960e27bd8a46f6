import { InputError } from "../errors.ts";
import type { RunOwner } from "../rotation/lease.ts";
import { DirectoryStore } from "./file-store.ts";
import type { BackupStore } from "./store.ts";

export interface OpenStoreOptions {
  gcsApiUrl?: string | undefined;
  /**
   * A drill or a prune reads what is there: a store that does not exist is a typo, not an empty
   * store, and must not pass as "nothing to do". A backup may create a directory, never a bucket.
   */
  mustExist?: boolean;
  /** This process and a probe of other writers of this host: leftovers of dead ones are swept. */
  process?: { owner: RunOwner; isAlive: (owner: RunOwner) => boolean } | undefined;
}

/** A store from its URL: file:///path or gs://bucket/prefix; anything else is bad input. */
export async function openBackupStore(url: string, opts: OpenStoreOptions = {}): Promise<BackupStore> {
  if (url.startsWith("file:")) {
    const parsed = URL.canParse(url) ? new URL(url) : null;
    // file://relative/dir parses with "relative" as a host: the path it meant is not absolute.
    if (!parsed || !url.startsWith("file:///") || parsed.pathname === "/") {
      throw new InputError(
        "store",
        `store ${url} is not an absolute directory URL: use file:///var/backups/app (three slashes, then the absolute path)`,
      );
    }
    const store = new DirectoryStore(url, opts.process ?? {});
    if (opts.mustExist) await requireExisting(store, "directory");
    return store;
  }
  if (/^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/.test(url)) {
    const [{ Storage }, { GcsStore }] = await Promise.all([
      import("@google-cloud/storage"),
      import("./gcs-store.ts"),
    ]);
    const storage = opts.gcsApiUrl
      ? new Storage({ apiEndpoint: opts.gcsApiUrl, projectId: "garde" })
      : new Storage();
    const store = new GcsStore(url, storage);
    await requireExisting(store, "bucket");
    return store;
  }
  throw new InputError("store", `store must be file:///path/to/dir or gs://bucket/prefix, not "${url}"`);
}

async function requireExisting(store: BackupStore, what: "directory" | "bucket"): Promise<void> {
  if (await store.exists()) return;
  const fix =
    what === "bucket"
      ? "create it (gcloud storage buckets create gs://NAME) or correct the name"
      : "correct the path, or run garde backup into it first";
  throw new InputError("store", `store ${store.url}: the ${what} does not exist; ${fix}`);
}
