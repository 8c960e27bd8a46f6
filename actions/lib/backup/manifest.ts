import * as z from "zod";

/** What a backup holds, written beside the dump once the dump is stored; its presence publishes the backup. */
export const manifestSchema = z.object({
  format: z.literal("garde-backup/1"),
  id: z.string(),
  database: z.string(),
  serverVersion: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  dump: z.object({
    name: z.string(),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  /** age recipients the dump is encrypted to (public keys); absent when it is not encrypted. */
  encryption: z.object({ scheme: z.literal("age"), recipients: z.array(z.string()).min(1) }).optional(),
  /** Exact count(*) per table, in the snapshot pg_dump read. Keys are schema.table. */
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  gardeVersion: z.string(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const MANIFEST = "manifest.json";
export const DUMP = "dump.pgc";

/** Backup ids sort by time: 2026-11-22T00-30-00-123Z-1a2b3c. */
export function backupId(now: number, random: string): string {
  return `${new Date(now).toISOString().replace(/[:.]/g, "-")}-${random}`;
}

/** When a backup began, from its id; null for a name that is no backup id. */
export function backupIdTime(id: string): number | null {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z-[0-9a-f]+$/.exec(id);
  if (!m) return null;
  const t = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isNaN(t) ? null : t;
}
