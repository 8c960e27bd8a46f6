import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Storage } from "@google-cloud/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDatabase } from "../../../../actions/lib/backup/backup.ts";
import { drillBackup } from "../../../../actions/lib/backup/drill.ts";
import { GcsStore } from "../../../../actions/lib/backup/gcs-store.ts";
import { systemClock } from "../../../../actions/lib/reporter.ts";
import { GcsEmulator } from "../../../../sandbox/gcs-emulator.ts";
import { postgresBin, startPostgres } from "../../../../sandbox/postgres.ts";
import { recordingReporter } from "../../../helpers.ts";

let gcs: GcsEmulator;
let storage: Storage;
beforeAll(async () => {
  gcs = new GcsEmulator({ buckets: ["garde-backups"] });
  await gcs.start();
  storage = new Storage({
    apiEndpoint: gcs.url,
    projectId: "garde-sandbox",
    retryOptions: { autoRetry: true, maxRetries: 3, maxRetryDelay: 2, totalTimeout: 20 },
  });
});
afterAll(() => gcs?.stop());

const CHUNK = 256 * 1024;
const store = () => new GcsStore("gs://garde-backups/prod/app", storage, { chunkSize: CHUNK });
async function read(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

describe("GCS backup store through @google-cloud/storage against the emulator", () => {
  it("uploads in resumable chunks, reads back what it wrote, lists under its prefix, deletes", async () => {
    const bytes = randomBytes(4 * CHUNK + 123);
    const s = store();
    expect(await s.put("b1/dump.pgc", Readable.from([bytes]))).toEqual({ size: bytes.length });
    expect(gcs.requests.filter((r) => r.method === "PUT").length).toBeGreaterThanOrEqual(5);
    expect((await read(await s.get("b1/dump.pgc"))).equals(bytes)).toBe(true);
    expect(gcs.objects.has("garde-backups/prod/app/b1/dump.pgc")).toBe(true);
    expect(await s.list("b1/")).toEqual(["b1/dump.pgc"]);
    await s.delete("b1/dump.pgc");
    expect(await s.list("")).toEqual([]);
  });

  it("retries a chunk answered 503 and lands the object intact", async () => {
    const bytes = randomBytes(3 * CHUNK);
    gcs.failNextChunk({ kind: "status", status: 503 });
    await store().put("b2/dump.pgc", Readable.from([bytes]));
    expect((await read(await store().get("b2/dump.pgc"))).equals(bytes)).toBe(true);
    expect(gcs.requests.some((r) => r.status === 503)).toBe(true);
  });

  it("survives a connection dropped mid-chunk: the client asks what the server kept and resumes", async () => {
    const bytes = randomBytes(3 * CHUNK + 7);
    gcs.failNextChunk({ kind: "drop" });
    await store().put("b4/dump.pgc", Readable.from([bytes]));
    expect((await read(await store().get("b4/dump.pgc"))).equals(bytes)).toBe(true);
  });

  it("never makes a half upload visible: a source that fails midway leaves no object", async () => {
    const failing = new Readable({
      read() {
        this.push(randomBytes(CHUNK));
        if (Math.random() < 2) this.destroy(new Error("pg_dump died"));
      },
    });
    await expect(store().put("b3/dump.pgc", failing)).rejects.toThrow(/pg_dump died/);
    expect(await store().list("b3/")).toEqual([]);
    expect(gcs.objects.has("garde-backups/prod/app/b3/dump.pgc")).toBe(false);
  });

  it("finalizes the client's single-request mode (bytes 0-*/*) where the body ends", async () => {
    const bytes = randomBytes(CHUNK + 7);
    const file = storage.bucket("garde-backups").file("single/request.bin");
    await pipeline(Readable.from([bytes]), file.createWriteStream({ resumable: true, validation: "crc32c" }));
    expect((await read(file.createReadStream())).equals(bytes)).toBe(true);
  });

  it("refuses a bucket that does not exist as bad input naming it, before reading or writing anything", async () => {
    const { openBackupStore } = await import("../../../../actions/lib/backup/open-store.ts");
    const { InputError } = await import("../../../../actions/lib/errors.ts");
    const err = await openBackupStore("gs://garde-no-such-bucket/prod", { gcsApiUrl: gcs.url }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      "store gs://garde-no-such-bucket/prod: the bucket does not exist; create it (gcloud storage buckets create gs://NAME) or correct the name",
    );
    expect(await openBackupStore("gs://garde-backups/prod", { gcsApiUrl: gcs.url })).toBeDefined();
  });

  it("reports a missing object clearly", async () => {
    await expect(store().get("nope/manifest.json")).rejects.toThrow(
      "No object gs://garde-backups/prod/app/nope/manifest.json",
    );
  });
});

describe("backup and drill through GCS", () => {
  it("backs a real database up into gs:// and restores it from there", async () => {
    const server = await startPostgres();
    try {
      const pg = (await import("pg")).default;
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      await admin.query(
        "CREATE TABLE teams (id int PRIMARY KEY); CREATE TABLE members (id int PRIMARY KEY, team_id int REFERENCES teams); INSERT INTO teams SELECT generate_series(1, 100); INSERT INTO members SELECT g, 1 + g % 100 FROM generate_series(1, 30000) g",
      );
      await admin.end();
      const s = new GcsStore("gs://garde-backups/drills", storage, { chunkSize: CHUNK });
      const common = { pgBin: postgresBin, clock: systemClock, reporter: recordingReporter() };
      const manifest = await backupDatabase({
        ...common,
        databaseUrl: server.adminUrl,
        store: s,
        gardeVersion: "0.1.0",
      });
      expect(await s.list(`${manifest.id}/`)).toEqual([
        `${manifest.id}/dump.pgc`,
        `${manifest.id}/manifest.json`,
      ]);
      const drill = await drillBackup({ ...common, store: s, targetUrl: server.adminUrl });
      expect(drill).toMatchObject({ passed: true, checksumOk: true, backupId: manifest.id });
      expect(drill.tables.map((t) => [t.table, t.restored])).toEqual([
        ["public.members", 30000],
        ["public.teams", 100],
      ]);
    } finally {
      server.stop();
    }
  }, 120_000);
});
