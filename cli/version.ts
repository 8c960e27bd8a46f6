import { readFileSync } from "node:fs";

/** garde's version: package.json's, recorded in manifests and printed by --version. */
export const VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
