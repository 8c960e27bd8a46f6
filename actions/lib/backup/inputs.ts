import * as z from "zod";
import { InputError } from "../errors.ts";
import { parseInputs, type RawInputs } from "../inputs.ts";

/** A libpq URL garde can pass on: postgres:// or postgresql://, and parseable. */
export const isPostgresUrl = (value: string) => /^postgres(ql)?:\/\//.test(value) && URL.canParse(value);

const postgresUrl = (what: string) =>
  z
    .string()
    .refine(isPostgresUrl, {
      error: `must be a postgres:// URL (${what}), from a secret`,
    })
    .optional();
const keep = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be a whole number of ${what} backups to keep, 0 to 1000` })
    .transform(Number)
    .refine((n) => n <= 1000, { error: "must be at most 1000" })
    .optional();

/** The backup action's inputs: one action, three modes, each with the inputs it needs. */
export const backupInputsSchema = z
  .object({
    mode: z.enum(["backup", "drill", "prune"], { error: "must be backup, drill or prune" }).default("backup"),
    store: z.string({ error: "is required: file:///dir or gs://bucket/prefix" }),
    "database-url": postgresUrl("the database to back up"),
    "target-url": postgresUrl("an admin URL of the server the drill restores on"),
    "backup-id": z.string().optional(),
    checks: z.string().optional(),
    "age-recipients": z
      .string()
      .transform((v) => v.split(/[\s,]+/).filter(Boolean))
      .optional(),
    "age-identity": z.string().optional(),
    "keep-daily": keep("daily"),
    "keep-weekly": keep("weekly"),
    "keep-monthly": keep("monthly"),
    "dry-run": z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
    "gcs-api-url": z.url({ error: "must be a URL (the Cloud Storage API, or its emulator)" }).optional(),
    "pg-bin": z.string().optional(),
  })
  .strict();
export type BackupInputs = z.infer<typeof backupInputsSchema>;

/** Which inputs each mode cannot do without. */
const REQUIRED: Record<BackupInputs["mode"], { field: keyof BackupInputs; message: string }[]> = {
  backup: [{ field: "database-url", message: "is required in mode backup: the database URL, from a secret" }],
  drill: [
    { field: "target-url", message: "is required in mode drill: an admin URL of the server to restore on" },
  ],
  prune: (["keep-daily", "keep-weekly", "keep-monthly"] as const).map((field) => ({
    field,
    message: "is required in mode prune: how many to keep, e.g. 7",
  })),
};

export function parseBackupInputs(raw: RawInputs): BackupInputs {
  const inputs = parseInputs(backupInputsSchema, raw, "backup inputs");
  const missing = REQUIRED[inputs.mode].filter((r) => inputs[r.field] === undefined);
  if (missing.length) {
    throw new InputError(
      missing[0]?.field as string,
      `Invalid backup inputs:\n${missing.map((m) => `- ${m.field}: ${m.message}`).join("\n")}`,
      missing.map((m) => ({ field: m.field, message: m.message })),
    );
  }
  return inputs;
}

/** Values the action masks before anything prints: whole URLs, their passwords alone, the identity. */
export function secretsOf(raw: RawInputs): string[] {
  const secrets: string[] = [];
  for (const name of ["database-url", "target-url"]) {
    const value = raw[name]?.trim();
    if (!value) continue;
    secrets.push(value);
    if (URL.canParse(value)) {
      const password = new URL(value).password;
      if (password) secrets.push(password, decodeURIComponent(password));
    }
  }
  const identity = raw["age-identity"]?.trim();
  if (identity) secrets.push(identity);
  return secrets;
}
