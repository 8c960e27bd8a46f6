import * as z from "zod";
import { InputError } from "../../actions/lib/errors.ts";
import { parseInputs } from "../../actions/lib/inputs.ts";
import { boundedDuration } from "../../actions/lib/smoke/config.ts";
import { type Command, noPositionals, stringFlag } from "../context.ts";
import { JSON_FLAG } from "../flags.ts";
import { STORE_FLAGS, thisProcessOwner } from "./backup.ts";

export const backupAgeCommand: Command = {
  name: "backup-age",
  summary:
    "Fail (exit 1) when the newest backup is older than --max-age: a backup job that stopped succeeding.",
  details: [
    "Run it hourly: a backup job that no longer runs fails nothing, and this check is what notices. Reads object names only.",
  ],
  flags: [
    ...STORE_FLAGS,
    {
      name: "max-age",
      kind: "string",
      value: "DURATION",
      description: "How old the newest backup may be, e.g. 26h for a daily schedule (required).",
    },
    JSON_FLAG,
  ],
  examples: ["garde backup-age --store gs://acme-backups/shop/postgres --max-age 26h"],
  async run(args, ctx) {
    noPositionals(this, args);
    const i = parseInputs(
      z.object({
        store: z.string({ error: "is required: file:///dir or gs://bucket/prefix" }),
        "max-age": boundedDuration(60_000, 400 * 86_400_000).optional(),
      }),
      { store: stringFlag(args, "store"), "max-age": stringFlag(args, "max-age") },
      "garde backup-age arguments",
    );
    const maxAge = i["max-age"];
    if (maxAge === undefined)
      throw new InputError("max-age", "--max-age is required: how old the newest backup may be, e.g. 26h");
    const { openBackupStore } = await import("../../actions/lib/backup/open-store.ts");
    const { checkFreshness } = await import("../../actions/lib/backup/freshness.ts");
    const store = await openBackupStore(i.store, {
      gcsApiUrl: stringFlag(args, "gcs-api-url"),
      process: await thisProcessOwner(),
      mustExist: true,
    });
    const fresh = await checkFreshness(store, maxAge, Date.now());
    if (args.values.json) ctx.stdout(`${JSON.stringify(fresh, null, 2)}\n`);
    else
      ctx.stdout(
        `${fresh.newest?.id}: ${((fresh.ageMs ?? 0) / 3_600_000).toFixed(1)} h old, within ${(maxAge / 3_600_000).toFixed(1)} h\n`,
      );
    return 0;
  },
};
