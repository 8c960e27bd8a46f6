import { loadDrillChecks } from "../../actions/lib/backup/checks.ts";
import { findPgBin } from "../../actions/lib/backup/pg-bin.ts";
import { drillRows, drillVerdict } from "../../actions/lib/backup/report.ts";
import { InputError } from "../../actions/lib/errors.ts";
import { systemClock } from "../../actions/lib/reporter.ts";
import { formatTable } from "../../actions/lib/smoke/report.ts";
import { type Command, noPositionals, stringFlag } from "../context.ts";
import { JSON_FLAG } from "../flags.ts";
import { PG_BIN, STORE_FLAGS, thisProcessOwner, urlFromEnv } from "./backup.ts";

export const drillCommand: Command = {
  name: "drill",
  summary: "Restore a backup into a scratch database and prove it: checksum, row counts, SQL checks.",
  details: [
    "The scratch database is dropped whatever happens; the result is stored beside the backup (drill.json). Exit 1 on any mismatch.",
  ],
  flags: [
    ...STORE_FLAGS,
    {
      name: "backup",
      kind: "string",
      value: "ID",
      description: "The backup to drill (default: the newest).",
    },
    {
      name: "target-url-env",
      kind: "string",
      value: "VAR",
      description: "Environment variable holding the admin URL of the server to restore on (required).",
    },
    {
      name: "checks",
      kind: "string",
      value: "FILE",
      description: "SQL checks (YAML list of { name, query, expect: { equals | atLeast } }).",
    },
    {
      name: "age-identity-env",
      kind: "string",
      value: "VAR",
      description: "Environment variable holding the age secret key of an encrypted backup.",
    },
    PG_BIN,
    JSON_FLAG,
  ],
  examples: [
    "SCRATCH_URL=… garde drill --store gs://acme-backups/shop --target-url-env SCRATCH_URL --checks drill-checks.yml",
  ],
  async run(args, ctx) {
    noPositionals(this, args);
    const storeUrl = stringFlag(args, "store");
    if (!storeUrl) throw new InputError("store", "--store is required: file:///dir or gs://bucket/prefix");
    const variable = stringFlag(args, "target-url-env");
    if (!variable)
      throw new InputError(
        "target-url-env",
        "--target-url-env is required: the variable holding the restore server's admin URL",
      );
    const targetUrl = urlFromEnv("target-url-env", variable, ctx.env);
    const checks = loadDrillChecks(stringFlag(args, "checks"));
    const identityVariable = stringFlag(args, "age-identity-env");
    const ageIdentity = identityVariable ? ctx.env[identityVariable] : undefined;
    if (identityVariable && !ageIdentity)
      throw new InputError(
        "age-identity-env",
        `--age-identity-env: ${identityVariable} is not set; export it from your secret store (AGE-SECRET-KEY-1…)`,
      );
    const { openBackupStore } = await import("../../actions/lib/backup/open-store.ts");
    const { drillBackup } = await import("../../actions/lib/backup/drill.ts");
    const result = await drillBackup({
      store: await openBackupStore(storeUrl, {
        gcsApiUrl: stringFlag(args, "gcs-api-url"),
        process: await thisProcessOwner(),
        mustExist: true,
      }),
      backupId: stringFlag(args, "backup"),
      targetUrl,
      pgBin: findPgBin(stringFlag(args, "pg-bin"), ctx.env),
      checks,
      ageIdentity,
      clock: systemClock,
      reporter: ctx.reporter,
    });
    if (args.values.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else ctx.stdout(`${formatTable(drillRows(result))}\n\n${drillVerdict(result)}\n`);
    return result.passed ? 0 : 1;
  },
};
