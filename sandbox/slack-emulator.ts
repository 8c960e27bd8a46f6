import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { closeServer, type ListenOptions, listenLocal } from "./http-server.ts";

/**
 * Slack incoming webhooks: POST JSON to a secret URL, answered "ok" (text/plain). An unknown
 * path answers 404 "no_service", as Slack does for a revoked webhook.
 */
export class SlackEmulator {
  readonly messages: { text: string; blocks?: unknown[] }[] = [];
  private server: Server | undefined;
  private readonly path = `/services/T0SANDBOX/B0SANDBOX/${randomBytes(12).toString("hex")}`;
  /** Answers to send instead of "ok", one per request: how tests inject a 429 or a 500. */
  readonly faults: { status: number; headers?: Record<string, string> }[] = [];
  webhookUrl = "";

  async start(opts: ListenOptions = {}): Promise<string> {
    const { server, url } = await listenLocal((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const fault = this.faults.shift();
        if (fault) {
          res.writeHead(fault.status, { "content-type": "text/plain", ...fault.headers });
          return res.end(fault.status === 429 ? "rate_limited" : "internal_error");
        }
        if (req.method !== "POST" || req.url !== this.path) {
          res.writeHead(404, { "content-type": "text/plain" });
          return res.end("no_service");
        }
        try {
          const payload = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
            text?: unknown;
            blocks?: unknown[];
          };
          if (typeof payload.text !== "string") throw new Error("no text");
          this.messages.push({ text: payload.text, blocks: payload.blocks });
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("ok");
        } catch {
          res.writeHead(400, { "content-type": "text/plain" });
          res.end("invalid_payload");
        }
      });
    }, opts);
    this.server = server;
    this.webhookUrl = `${url}${this.path}`;
    return this.webhookUrl;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
