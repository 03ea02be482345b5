/**
 * The bare proxy: the least a streaming chat server can do, as the baseline of the per-token figures. A minimal
 * node:http server (no LangChain, no Redis, no framework) with the gateway's streaming route: POST
 * /v1/chat/stream {session_id, input} forwards `input` to the scripted upstream's /chat/completions (stream: true,
 * keep-alive agent), parses its SSE chunks and writes each non-empty delta as `event: token` to the client's
 * SSE response, then `event: done`. GET /healthz answers 200 (the bench opens connections with it).
 * Usage: bare-proxy.ts <upstreamUrl>. Prints `listening <port>`.
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from "node:http";

const upstream = new URL(process.argv[2] ?? "");
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const completions = `${upstream.pathname.replace(/\/$/, "")}/chat/completions`;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (s: string) => (body += s));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

const frame = (event: string, data: string): string =>
  `event: ${event}\ndata: ${data.split("\n").join("\ndata: ")}\n\n`;

async function stream(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { input } = JSON.parse(await readBody(req)) as { input: string };
  const body = JSON.stringify({ model: "bench", stream: true, messages: [{ role: "user", content: input }] });
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  const up = request(
    {
      hostname: upstream.hostname,
      port: upstream.port,
      path: completions,
      method: "POST",
      agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    },
    (ur) => {
      let buf = "";
      ur.setEncoding("utf8");
      ur.on("data", (text: string) => {
        buf += text;
        let out = "";
        let i: number;
        while ((i = buf.indexOf("\n\n")) !== -1) {
          const msg = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!msg.startsWith("data: ")) continue;
          const data = msg.slice(6);
          if (data === "[DONE]") continue;
          const content = (JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]
            ?.delta?.content;
          if (content) out += frame("token", content);
        }
        if (out !== "") res.write(out);
      });
      ur.on("end", () => res.end(frame("done", "bare")));
      ur.on("error", () => res.end(frame("error", "upstream failed")));
    },
  );
  up.on("error", () => res.end(frame("error", "upstream failed")));
  res.on("close", () => up.destroy());
  up.end(body);
}

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.end("ok");
    return;
  }
  if (req.method === "POST" && req.url === "/v1/chat/stream") {
    stream(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(400);
      res.end();
    });
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === "object" && addr ? addr.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
