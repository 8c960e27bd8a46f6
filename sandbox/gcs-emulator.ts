import { createHash, randomBytes } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
} from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { CRC32C } from "@google-cloud/storage";
import { closeServer, type ListenOptions, listenLocal } from "./http-server.ts";

interface StoredObject {
  bucket: string;
  name: string;
  file: string;
  size: number;
  crc32c: string;
  md5Hash: string;
  generation: string;
  updated: string;
  contentType: string;
}

interface Upload {
  bucket: string;
  name: string;
  contentType: string;
  file: string;
  received: number;
}

/** A fault the next matching upload chunks get: a 503, or the connection dropped mid-chunk. */
export type UploadFault = { kind: "status"; status: number } | { kind: "drop" };

/**
 * Google Cloud Storage's JSON API as @google-cloud/storage speaks it: resumable uploads
 * (POST …?uploadType=resumable → Location, PUTs with Content-Range answered 308 until the last),
 * media downloads with x-goog-hash, listing by prefix with pages, deletes. Bytes go to files in a
 * temp dir, never into memory, and an object exists only once its upload is final, as on GCS.
 */
export class GcsEmulator {
  readonly objects = new Map<string, StoredObject>();
  /** Buckets that exist: GCS answers 404 for objects, uploads and listings of any other. */
  readonly buckets = new Map<string, { name: string; timeCreated: string }>();
  readonly requests: { method: string; path: string; status: number }[] = [];
  private readonly uploads = new Map<string, Upload>();
  private readonly faults: UploadFault[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), "garde-gcs-"));
  private server: Server | undefined;
  private generation = 1_700_000_000_000_000;
  url = "";

  constructor(opts: { buckets?: readonly string[] } = {}) {
    for (const name of opts.buckets ?? []) this.createBucket(name);
  }

  /** As `gcloud storage buckets create gs://NAME` would. */
  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, { name, timeCreated: new Date().toISOString() });
  }

  private bucketResource(b: { name: string; timeCreated: string }) {
    return {
      kind: "storage#bucket",
      id: b.name,
      selfLink: `${this.url}/storage/v1/b/${b.name}`,
      name: b.name,
      projectNumber: "0",
      metageneration: "1",
      location: "EU",
      storageClass: "STANDARD",
      etag: "CAE=",
      timeCreated: b.timeCreated,
      updated: b.timeCreated,
    };
  }

  private noBucket(req: IncomingMessage, res: ServerResponse) {
    this.json(req, res, 404, {
      error: {
        code: 404,
        message: "The specified bucket does not exist.",
        errors: [{ domain: "global", reason: "notFound", message: "The specified bucket does not exist." }],
      },
    });
  }

  /** The next upload chunk gets this fault instead of being stored. */
  failNextChunk(fault: UploadFault): void {
    this.faults.push(fault);
  }

  /** Uploads begun and not finalized: what a reader must never see. */
  get pendingUploads(): number {
    return this.uploads.size;
  }

  async start(opts: ListenOptions = {}): Promise<string> {
    const { server, url } = await listenLocal((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) this.json(req, res, 500, { error: { code: 500, message: err.message } });
        else res.destroy();
      });
    }, opts);
    this.server = server;
    this.url = url;
    return this.url;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private json(req: IncomingMessage, res: ServerResponse, status: number, body?: unknown, headers = {}) {
    this.requests.push({ method: req.method ?? "", path: (req.url ?? "").split("?")[0] ?? "", status });
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { "content-type": "application/json; charset=UTF-8" } : {}),
      ...headers,
    });
    res.end(text);
  }

  private notFound(req: IncomingMessage, res: ServerResponse, what: string) {
    this.json(req, res, 404, {
      error: {
        code: 404,
        message: `No such object: ${what}`,
        errors: [{ reason: "notFound", message: `No such object: ${what}` }],
      },
    });
  }

  private resource(o: StoredObject) {
    return {
      kind: "storage#object",
      id: `${o.bucket}/${o.name}/${o.generation}`,
      selfLink: `${this.url}/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}`,
      mediaLink: `${this.url}/download/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}?generation=${o.generation}&alt=media`,
      name: o.name,
      bucket: o.bucket,
      generation: o.generation,
      metageneration: "1",
      contentType: o.contentType,
      storageClass: "STANDARD",
      size: String(o.size),
      md5Hash: o.md5Hash,
      crc32c: o.crc32c,
      etag: `C${o.generation}`,
      timeCreated: o.updated,
      updated: o.updated,
    };
  }

  private async readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  /** Routes a request of the JSON API: buckets, resumable uploads, objects, listings. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const path = url.pathname;
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    const object = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/.exec(path);
    const listing = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    const bucketPath = /^\/storage\/v1\/b\/([^/]+)$/.exec(path);

    if (path === "/storage/v1/b" && method === "POST") return this.createBucketRoute(req, res);
    if (bucketPath && method === "GET") return this.getBucketRoute(req, res, bucketPath);
    const named = upload ?? object ?? listing;
    if (named && !this.buckets.has(decodeURIComponent(named[1] as string))) return this.noBucket(req, res);
    if (method === "POST" && upload) return this.startUpload(req, res, url, upload);
    if (method === "PUT" && upload)
      return this.receiveChunk(req, res, url.searchParams.get("upload_id") ?? "");
    if (object) return this.objectRoute(req, res, url, method, path, object);
    if (method === "GET" && listing) return this.listRoute(req, res, url, listing);
    return this.json(req, res, 404, { error: { code: 404, message: `No route for ${method} ${path}` } });
  }

  /** POST /storage/v1/b: a bucket, as gcloud storage buckets create makes it. */
  private async createBucketRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const meta = await this.readJson(req);
    const name = typeof meta.name === "string" ? meta.name : "";
    if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name))
      return this.json(req, res, 400, { error: { code: 400, message: "Invalid bucket name" } });
    if (this.buckets.has(name))
      return this.json(req, res, 409, {
        error: {
          code: 409,
          message: "Your previous request to create the named bucket succeeded and you already own it.",
        },
      });
    this.createBucket(name);
    return this.json(
      req,
      res,
      200,
      this.bucketResource(this.buckets.get(name) as { name: string; timeCreated: string }),
    );
  }

  private getBucketRoute(req: IncomingMessage, res: ServerResponse, bucketPath: RegExpExecArray) {
    const b = this.buckets.get(decodeURIComponent(bucketPath[1] as string));
    if (!b) return this.noBucket(req, res);
    return this.json(req, res, 200, this.bucketResource(b));
  }

  /** POST …/o?uploadType=resumable: a session, honouring ifGenerationMatch, answered with its Location. */
  private async startUpload(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    upload: RegExpExecArray,
  ): Promise<void> {
    const m = upload;
    if (url.searchParams.get("uploadType") !== "resumable") {
      return this.json(req, res, 400, {
        error: { code: 400, message: "This emulator takes resumable uploads only" },
      });
    }
    const meta = await this.readJson(req);
    const name = url.searchParams.get("name") ?? (meta.name as string | undefined);
    if (!name) return this.json(req, res, 400, { error: { code: 400, message: "Missing object name" } });
    const wanted = url.searchParams.get("ifGenerationMatch");
    const current = this.objects.get(`${decodeURIComponent(m[1] as string)}/${name}`)?.generation ?? "0";
    if (wanted !== null && wanted !== current) {
      return this.json(req, res, 412, {
        error: {
          code: 412,
          message: "At least one of the pre-conditions you specified did not hold.",
          errors: [{ reason: "conditionNotMet" }],
        },
      });
    }
    const id = randomBytes(12).toString("hex");
    this.uploads.set(id, {
      bucket: decodeURIComponent(m[1] as string),
      name,
      contentType: (meta.contentType as string | undefined) ?? "application/octet-stream",
      file: join(this.dir, `upload-${id}`),
      received: 0,
    });
    const location = `${this.url}/upload/storage/v1/b/${m[1]}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
    return this.json(req, res, 200, undefined, { location });
  }

  /** GET (metadata or media) and DELETE of one object. */
  private async objectRoute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    path: string,
    object: RegExpExecArray,
  ): Promise<void> {
    const m = object;
    const key = `${decodeURIComponent(m[1] as string)}/${decodeURIComponent(m[2] as string)}`;
    const o = this.objects.get(key);
    if (method === "DELETE") {
      if (!o) return this.notFound(req, res, key);
      this.objects.delete(key);
      rmSync(o.file, { force: true });
      return this.json(req, res, 204);
    }
    if (method !== "GET")
      return this.json(req, res, 405, { error: { code: 405, message: "Method not allowed" } });
    if (!o) return this.notFound(req, res, key);
    if (url.searchParams.get("alt") !== "media") return this.json(req, res, 200, this.resource(o));
    this.requests.push({ method, path, status: 200 });
    res.writeHead(200, {
      "content-type": o.contentType,
      "content-length": String(o.size),
      "x-goog-hash": `crc32c=${o.crc32c},md5=${o.md5Hash}`,
      "x-goog-generation": o.generation,
      "x-goog-stored-content-length": String(o.size),
    });
    await pipeline(createReadStream(o.file), res);
    return;
  }

  /** GET …/o?prefix=: names under a prefix, a page at a time. */
  private listRoute(req: IncomingMessage, res: ServerResponse, url: URL, listing: RegExpExecArray) {
    const m = listing;
    const bucket = decodeURIComponent(m[1] as string);
    const prefix = url.searchParams.get("prefix") ?? "";
    const pageSize = Math.min(Number(url.searchParams.get("maxResults") ?? 1000) || 1000, 1000);
    const names = [...this.objects.values()]
      .filter((o) => o.bucket === bucket && o.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const start = Number(url.searchParams.get("pageToken") ?? 0);
    const page = names.slice(start, start + pageSize);
    const next = start + pageSize < names.length ? String(start + pageSize) : undefined;
    return this.json(req, res, 200, {
      kind: "storage#objects",
      ...(page.length ? { items: page.map((o) => this.resource(o)) } : {}),
      ...(next ? { nextPageToken: next } : {}),
    });
  }

  /** One PUT of a resumable upload: "bytes A-B/*" (more to come) or "bytes A-B/TOTAL" (last). */
  private async receiveChunk(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const upload = this.uploads.get(id);
    if (!upload) return this.json(req, res, 404, { error: { code: 404, message: "No such upload" } });
    const fault = this.faults.shift();
    if (fault?.kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "status") {
      for await (const _ of req) void _;
      return this.json(req, res, fault.status, {
        error: { code: fault.status, message: "Service Unavailable" },
      });
    }
    const range = String(req.headers["content-range"] ?? "");
    const status = /^bytes \*\/(\d+|\*)$/.exec(range);
    // "bytes N-END/TOTAL" is one chunk; "bytes N-*/*" (the client's single-request mode) is the
    // rest of the object in this one body, so the object ends where the body does.
    const chunk = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/.exec(range);
    if (status || !chunk || Number(chunk[1]) !== upload.received) {
      // A status query ("bytes */*" or "bytes */TOTAL"), or a chunk that does not start where the
      // stored bytes end: say how much is stored, and the client resends from there.
      for await (const _ of req) void _;
      const total = status?.[1];
      if (total && total !== "*" && Number(total) === upload.received)
        return this.finalize(req, res, id, upload);
      return this.storedSoFar(req, res, upload);
    }
    try {
      await pipeline(req, createWriteStream(upload.file, { flags: "a" }));
    } catch (err) {
      // A chunk cut off midway is not kept: the upload stays at the last whole chunk.
      if (existsSync(upload.file)) truncateSync(upload.file, upload.received);
      throw err;
    }
    upload.received = statSync(upload.file).size;
    const rest = chunk[2] === "*";
    if (rest || (chunk[3] !== "*" && Number(chunk[3]) === upload.received))
      return this.finalize(req, res, id, upload);
    return this.storedSoFar(req, res, upload);
  }

  /** 308 Resume Incomplete, with the range stored so far (none yet: no Range header). */
  private storedSoFar(req: IncomingMessage, res: ServerResponse, upload: Upload) {
    return this.json(
      req,
      res,
      308,
      undefined,
      upload.received ? { range: `bytes=0-${upload.received - 1}` } : {},
    );
  }

  private async finalize(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    upload: Upload,
  ): Promise<void> {
    const crc = new CRC32C();
    const md5 = createHash("md5");
    for await (const c of createReadStream(upload.file)) {
      crc.update(c as Buffer);
      md5.update(c as Buffer);
    }
    const file = join(this.dir, `object-${id}`);
    renameSync(upload.file, file);
    this.uploads.delete(id);
    const key = `${upload.bucket}/${upload.name}`;
    const previous = this.objects.get(key);
    if (previous) rmSync(previous.file, { force: true });
    const o: StoredObject = {
      bucket: upload.bucket,
      name: upload.name,
      file,
      size: upload.received,
      crc32c: crc.toString(),
      md5Hash: md5.digest("base64"),
      generation: String(this.generation++),
      updated: new Date().toISOString(),
      contentType: upload.contentType,
    };
    this.objects.set(key, o);
    return this.json(req, res, 200, this.resource(o));
  }
}
