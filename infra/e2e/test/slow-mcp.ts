import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

export interface SlowMcp {
  /** The streamable HTTP endpoint (MCP_SERVER_URL). */
  readonly url: string;
  /** Labels of `slow_scan` calls that started, and of those whose request was cancelled (notifications/cancelled). */
  readonly started: string[];
  readonly cancelled: string[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}

/**
 * A tiny real MCP server (the SDK's McpServer over streamable HTTP, one session per client) with one tool,
 * `slow_scan`, that takes 30 s unless its request is cancelled: the SDK aborts the handler's `signal` when
 * the client sends `notifications/cancelled` for it, which is recorded.
 */
export async function startSlowMcp(): Promise<SlowMcp> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const started: string[] = [];
  const cancelled: string[] = [];
  const http = createServer((req, res) => {
    void (async () => {
      const payload = req.method === "POST" ? await body(req) : undefined;
      const sessionId = req.headers["mcp-session-id"];
      let transport = typeof sessionId === "string" ? transports.get(sessionId) : undefined;
      if (transport === undefined) {
        if (!(req.method === "POST" && isInitializeRequest(payload))) {
          res.writeHead(404).end();
          return;
        }
        const fresh: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void transports.set(id, fresh),
        });
        transport = fresh;
        const server = new McpServer({ name: "slow", version: "1.0.0" });
        server.registerTool(
          "slow_scan",
          { description: "Scans something slowly (30 s).", inputSchema: { label: z.string() } },
          async ({ label }, extra) => {
            started.push(label);
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, 30_000);
              extra.signal.addEventListener(
                "abort",
                () => {
                  clearTimeout(timer);
                  cancelled.push(label);
                  resolve();
                },
                { once: true },
              );
            });
            return { content: [{ type: "text", text: `scanned ${label}` }] };
          },
        );
        await server.connect(fresh);
      }
      await transport.handleRequest(req, res, payload);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    started,
    cancelled,
    async close() {
      for (const t of transports.values()) await t.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
