// A small keep-alive HTTP server in its own process, so load generators measured against it
// do not share its event loop. Prints its URL on stdout.
import { createServer } from "node:http";

const body = JSON.stringify({ status: "ok", items: Array.from({ length: 20 }, (_, i) => ({ id: i })) });
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
