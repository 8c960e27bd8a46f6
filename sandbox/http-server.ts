import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A matched request, as emulator handlers see it. */
export interface EmulatorRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface EmulatorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** A fault the next matching requests get instead of the real answer (429, 500, …). */
export interface Fault {
  method?: string;
  /** Matches when the request path contains this text or matches this pattern. */
  path: string | RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many requests it hits before disappearing; default 1. */
  times?: number;
}

/** Minimal JSON router on node:http: enough to serve a vendor's REST endpoints faithfully. */
export class JsonRouter {
  private readonly routes: Route[] = [];
  private readonly faults: Fault[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  private server: Server | undefined;
  private authorize: (req: IncomingMessage) => EmulatorResponse | null = () => null;

  on(method: string, template: string, handler: Handler): this {
    const keys: string[] = [];
    const source = template.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:(\w+)/g, (_m, key: string) => {
      keys.push(key);
      return "([^/]+)";
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  setAuthorizer(check: (req: IncomingMessage) => EmulatorResponse | null): void {
    this.authorize = check;
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (!f.method || f.method === method) &&
        (typeof f.path === "string" ? path.includes(f.path) : f.path.test(path)),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index] as Fault;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const send = (r: EmulatorResponse) => {
      this.requests.push({ method, path: url.pathname, status: r.status });
      const body = r.body === undefined ? "" : JSON.stringify(r.body);
      res.writeHead(r.status, {
        ...(body ? { "content-type": "application/json; charset=utf-8" } : {}),
        ...r.headers,
      });
      res.end(body);
    };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fault = this.takeFault(method, url.pathname);
    if (fault) return send({ status: fault.status, headers: fault.headers, body: fault.body });
    const denied = this.authorize(req);
    if (denied) return send(denied);
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const params = Object.fromEntries(
        route.keys.map((k, i) => [k, decodeURIComponent(match[i + 1] ?? "")]),
      );
      let body: unknown;
      const text = Buffer.concat(chunks).toString("utf8");
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          return send({
            status: 400,
            body: { error: { code: "bad_request", message: "Invalid JSON body" } },
          });
        }
      }
      try {
        return send(
          await route.handler({
            method,
            path: url.pathname,
            params,
            query: url.searchParams,
            headers: req.headers,
            body,
          }),
        );
      } catch (err) {
        return send({ status: 500, body: { error: { code: "internal", message: String(err) } } });
      }
    }
    send({
      status: 404,
      body: { error: { code: "not_found", message: `No route for ${method} ${url.pathname}` } },
    });
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
