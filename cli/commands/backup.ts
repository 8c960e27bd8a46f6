import * as z from "zod";
import { isPostgresUrl } from "../../actions/lib/backup/inputs.ts";
import { findPgBin } from "../../actions/lib/backup/pg-bin.ts";
import { InputError } from "../../actions/lib/errors.ts";
import { parseInputs } from "../../actions/lib/inputs.ts";
import { systemClock } from "../../actions/lib/reporter.ts";
import { type Command, noPositionals, stringFlag } from "../context.ts";
import { type Flag, JSON_FLAG } from "../flags.ts";

export const STORE_FLAGS: readonly Flag[] = [
  { name: "store", kind: "string", value: "URL", description: "file:///path/to/dir or gs://bucket/prefix." },
  {
    name: "gcs-api-url",
    kind: "string",
    value: "URL",
    description: "Cloud Storage API base URL (an emulator).",
  },
];
export const PG_BIN: Flag = {
  name: "pg-bin",
  kind: "string",
  value: "DIR",
  description: "Directory of pg_dump and pg_restore (default: GARDE_PG_BIN, the newest installed).",
};
const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, { error: "must name an environment variable, e.g. DATABASE_URL" });

/** The URL in the variable a flag names: never the URL itself on the command line (shell history keeps flags). */
export function urlFromEnv(
  field: string,
  variable: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const value = env[variable];
  if (!value)
    throw new InputError(
      field,
      `--${field}: ${variable} is not set; export ${variable}=postgres://user:password@host:5432/db`,
    );
  if (!isPostgresUrl(value)) {
    throw new InputError(field, `--${field}: ${variable} must hold a postgres:// URL`);
  }
  return value;
}

/** This process, and the probe that tells a dead writer's leftovers from a live one's (loaded on use). */
export async function thisProcessOwner() {
  return (await import("../../actions/shared/process-owner.ts")).processProbe();
}

export const backupCommand: Command = {
  name: "backup",
  summary: "Dump a PostgreSQL database into a backup store, with its sha256 and per-table row counts.",
  details: [
    "The dump streams (memory stays flat); the manifest is written last, so a half backup never exists.",
  ],
  flags: [
    {
      name: "database-url-env",
      kind: "string",
      value: "VAR",
      description: "Environment variable holding the database URL (required).",
    },
    ...STORE_FLAGS,
    {
      name: "age-recipient",
      kind: "list",
      value: "KEY",
      description: "Encrypt the dump to this age public key (age1…); the drill needs its secret key.",
    },
    PG_BIN,
    JSON_FLAG,
  ],
  env: [
    { name: "VAR", description: "The variable --database-url-env names: postgres://user:password@host/db." },
  ],
  examples: [
    "DATABASE_URL=… garde backup --database-url-env DATABASE_URL --store gs://acme-backups/shop",
    "garde backup --database-url-env DATABASE_URL --store file:///var/backups/shop --age-recipient age1…",
  ],
  async run(args, ctx) {
    noPositionals(this, args);
    const i = parseInputs(
      z.object({
        "database-url-env": envName,
        store: z.string({ error: "is required: file:///dir or gs://bucket/prefix" }),
      }),
      { "database-url-env": stringFlag(args, "database-url-env"), store: stringFlag(args, "store") },
      "garde backup arguments",
    );
    const databaseUrl = urlFromEnv("database-url-env", i["database-url-env"], ctx.env);
    const { openBackupStore } = await import("../../actions/lib/backup/open-store.ts");
    const { backupDatabase } = await import("../../actions/lib/backup/backup.ts");
    const { VERSION } = await import("../../actions/lib/version.ts");
    const store = await openBackupStore(i.store, {
      gcsApiUrl: stringFlag(args, "gcs-api-url"),
      process: await thisProcessOwner(),
    });
    const manifest = await backupDatabase({
      databaseUrl,
      store,
      pgBin: findPgBin(stringFlag(args, "pg-bin"), ctx.env),
      clock: systemClock,
      reporter: ctx.reporter,
      gardeVersion: VERSION,
      recipients: (args.values["age-recipient"] as string[] | undefined) ?? [],
    });
    if (args.values.json) ctx.stdout(`${JSON.stringify(manifest, null, 2)}\n`);
    else {
      const rows = Object.values(manifest.rowCounts).reduce((a, b) => a + b, 0);
      ctx.stdout(
        `${manifest.id}: ${manifest.dump.size} bytes, sha256 ${manifest.dump.sha256}, ${Object.keys(manifest.rowCounts).length} tables, ${rows} rows\n`,
      );
    }
    return 0;
  },
};
