import * as z from "zod";
import { pruneRows } from "../../actions/lib/backup/report.ts";
import { parseInputs } from "../../actions/lib/inputs.ts";
import { formatTable } from "../../actions/lib/smoke/report.ts";
import { type Command, noPositionals, stringFlag } from "../context.ts";
import { JSON_FLAG } from "../flags.ts";
import { STORE_FLAGS, thisProcessOwner } from "./backup.ts";

const count = (what: string) =>
  z
    .string({ error: `is required: how many ${what} backups to keep, e.g. 7` })
    .regex(/^\d+$/, { error: "must be a whole number, 0 to 1000" })
    .transform(Number)
    .refine((n) => n <= 1000, { error: "must be a whole number, 0 to 1000" });

export const pruneCommand: Command = {
  name: "prune",
  summary:
    "Delete backups the retention policy does not keep; never the newest drilled one or anything younger.",
  flags: [
    ...STORE_FLAGS,
    {
      name: "keep-daily",
      kind: "string",
      value: "N",
      description: "Newest backup of each of the last N days.",
    },
    {
      name: "keep-weekly",
      kind: "string",
      value: "N",
      description: "Newest backup of each of the last N ISO weeks.",
    },
    {
      name: "keep-monthly",
      kind: "string",
      value: "N",
      description: "Newest backup of each of the last N months.",
    },
    { name: "dry-run", kind: "boolean", description: "List what would go; delete nothing." },
    JSON_FLAG,
  ],
  examples: [
    "garde prune --store gs://acme-backups/shop --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --dry-run",
  ],
  async run(args, ctx) {
    noPositionals(this, args);
    const i = parseInputs(
      z.object({
        store: z.string({ error: "is required: file:///dir or gs://bucket/prefix" }),
        "keep-daily": count("daily"),
        "keep-weekly": count("weekly"),
        "keep-monthly": count("monthly"),
      }),
      {
        store: stringFlag(args, "store"),
        "keep-daily": stringFlag(args, "keep-daily"),
        "keep-weekly": stringFlag(args, "keep-weekly"),
        "keep-monthly": stringFlag(args, "keep-monthly"),
      },
      "garde prune arguments",
    );
    const { openBackupStore } = await import("../../actions/lib/backup/open-store.ts");
    const { pruneBackups } = await import("../../actions/lib/backup/retention.ts");
    const dryRun = args.values["dry-run"] === true;
    const plan = await pruneBackups(
      await openBackupStore(i.store, {
        gcsApiUrl: stringFlag(args, "gcs-api-url"),
        process: await thisProcessOwner(),
        mustExist: true,
      }),
      { daily: i["keep-daily"], weekly: i["keep-weekly"], monthly: i["keep-monthly"] },
      { dryRun, now: Date.now() },
    );
    if (args.values.json) ctx.stdout(`${JSON.stringify({ dryRun, ...plan }, null, 2)}\n`);
    else ctx.stdout(`${formatTable(pruneRows(plan, dryRun))}\n`);
    return 0;
  },
};
