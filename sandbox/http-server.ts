import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createTlsServer } from "node:https";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";

/** How an emulator listens: on TLS when given a certificate (as the vendor does), on a fixed port when given one. */
export interface ListenOptions {
  tls?: { key: string; cert: string } | undefined;
  /** 0 or absent: any free port. */
  port?: number | undefined;
  /** With tls: the same port also answers plain HTTP (told apart by the first byte of a connection). */
  plainToo?: boolean | undefined;
}

/** The first byte of a TLS ClientHello (a handshake record). */
const TLS_HANDSHAKE = 0x16;

/**
 * A server that hands each connection to the TLS or the plain HTTP server by its first byte, so
 * one address serves https:// (what the Vercel CLI prints for a deployment) and http:// alike.
 */
function dualProtocolServer(tls: { key: string; cert: string }, handler: RequestListener): Server {
  const secure = createTlsServer(tls, handler);
  const plain = createServer(handler);
  const sockets = new Set<Socket>();
  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE ? secure : plain).emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
  });
  // closeServer() calls these: connections are the front's, not the inner servers'.
  return Object.assign(front, {
    closeAllConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
  }) as unknown as Server;
}

/** Listens on 127.0.0.1 only (nothing of the sandbox is reachable from the network); returns the base URL. */
export async function listenLocal(
  handler: RequestListener,
  opts: ListenOptions = {},
): Promise<{ server: Server; url: string }> {
  const server: Server = !opts.tls
    ? createServer(handler)
    : opts.plainToo
      ? dualProtocolServer(opts.tls, handler)
      : createTlsServer(opts.tls, handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}` };
}

/** Closes a server and the keep-alive connections that would hold it open. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

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
  /** Sent as is (a JSON content type, but a body cut short or not JSON at all), instead of `body`. */
  raw?: string;
  /**
   * The request is carried out first, then this answer replaces the real one: the server
   * created or moved something, and the answer was lost on the way (a proxy's 502, a cut body).
   */
  after?: boolean;
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
    const fault = this.takeFault(method, url.pathname);
    const faulty = fault && {
      status: fault.status,
      headers: fault.headers,
      body: fault.body,
      raw: fault.raw,
    };
    // An `after` fault lets the request take effect, then replaces its answer.
    const send = (answer: EmulatorResponse) => {
      const r: EmulatorResponse & { raw?: string } = faulty && fault?.after ? faulty : answer;
      this.requests.push({ method, path: url.pathname, status: r.status });
      const body = r.raw ?? (r.body === undefined ? "" : JSON.stringify(r.body));
      res.writeHead(r.status, {
        ...(body ? { "content-type": "application/json; charset=utf-8" } : {}),
        ...r.headers,
      });
      res.end(body);
    };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (faulty && !fault?.after) return send(faulty);
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

  async listen(opts: ListenOptions = {}): Promise<string> {
    const { server, url } = await listenLocal((req, res) => {
      void this.handle(req, res);
    }, opts);
    this.server = server;
    return url;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }
}
