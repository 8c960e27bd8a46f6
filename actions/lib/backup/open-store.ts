import { InputError } from "../errors.ts";
import { DirectoryStore } from "./file-store.ts";
import type { BackupStore } from "./store.ts";

/** A store from its URL: file:///path or gs://bucket/prefix; anything else is bad input. */
export async function openBackupStore(
  url: string,
  opts: { gcsApiUrl?: string | undefined } = {},
): Promise<BackupStore> {
  if (url.startsWith("file://")) {
    if (!URL.canParse(url) || new URL(url).pathname === "/") {
      throw new InputError("store", `store ${url} is not a directory URL: use file:///var/backups/app`);
    }
    return new DirectoryStore(url);
  }
  if (/^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/.test(url)) {
    const [{ Storage }, { GcsStore }] = await Promise.all([
      import("@google-cloud/storage"),
      import("./gcs-store.ts"),
    ]);
    const storage = opts.gcsApiUrl
      ? new Storage({ apiEndpoint: opts.gcsApiUrl, projectId: "garde" })
      : new Storage();
    return new GcsStore(url, storage);
  }
  throw new InputError("store", `store must be file:///path/to/dir or gs://bucket/prefix, not "${url}"`);
}
