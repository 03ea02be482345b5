/**
 * Streamable HTTP front: a small node:http server in front of the MCP SDK's StreamableHTTPServerTransport
 * (one transport and one FastMCP session per MCP session). It owns what fastmcp's HTTP mode does not let
 * us control tightly enough: bearer auth compared in constant time, no tokens in query strings, an Origin
 * allow-list, a Host check on loopback binds, a body size limit, a health endpoint, and sessions capped per
 * client (bearer credential + remote address) that close after a short idle time, so one client cannot
 * use up every session.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server as NodeHttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { FastMCP } from "fastmcp";
import { isLoopbackHost, type HttpConfig } from "./config.js";
import { bestEffort, errorMessage, type Logger } from "@acb/logger";
import { exposition, withRemoteParent, type Registry } from "@acb/telemetry";

export const MCP_PATH = "/mcp";
export const METRICS_PATH = "/metrics";
const HEALTH_PATHS = new Set(["/healthz", "/health"]);
const QUERY_TOKEN_NAMES = ["access_token", "token", "auth", "authorization", "api_key", "apikey", "key"];
const CORS_HEADERS = {
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers":
    "authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id",
  "access-control-expose-headers": "mcp-session-id, mcp-protocol-version, www-authenticate",
  "access-control-max-age": "600",
};

export interface HttpFront {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  /** Who opened it: see clientKey. */
  readonly client: string;
  lastSeen: number;
  /** Requests in flight (an open SSE stream counts): a session is never idle while one runs. */
  active: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const rpcCode = status === 404 ? -32001 : status === 400 ? -32600 : -32000;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: rpcCode, message }, id: null }));
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/** Constant-time: both sides are hashed to the same length before timingSafeEqual. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") && isLoopbackHost(u.hostname);
  } catch {
    return false;
  }
}

function hostOf(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  const colon = hostHeader.lastIndexOf(":");
  return colon >= 0 ? hostHeader.slice(0, colon) : hostHeader;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit)
    throw new HttpError(413, `request body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new HttpError(413, `request body larger than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * A client is its credential and its address: with one shared token every caller presents the same
 * credential, so the address tells them apart (behind a reverse proxy, all clients share the proxy's).
 */
function clientKey(req: IncomingMessage): string {
  const auth = req.headers.authorization;
  const credential = auth === undefined ? "anonymous" : digest(auth).toString("hex").slice(0, 16);
  return `${credential}@${req.socket.remoteAddress ?? "?"}`;
}

export async function startHttp(mcp: FastMCP, cfg: HttpConfig, log: Logger, metrics?: Registry): Promise<HttpFront> {
  const sessions = new Map<string, Session>();
  /** Initializes under way per client, counted against its cap until their session exists (or not). */
  const opening = new Map<string, number>();
  const heldBy = (client: string): number => {
    let n = opening.get(client) ?? 0;
    for (const s of sessions.values()) if (s.client === client) n++;
    return n;
  };
  const allowed = new Set(cfg.allowedOrigins.map((o) => o.toLowerCase()));
  const loopbackBind = isLoopbackHost(cfg.host);

  const guardOrigin = (origin: string): void => {
    if (!allowed.has(origin.toLowerCase()) && !isLoopbackOrigin(origin)) throw new HttpError(403, "origin not allowed");
  };

  const guardHost = (req: IncomingMessage): void => {
    if (!loopbackBind) return;
    const host = req.headers.host;
    if (host === undefined || !isLoopbackHost(hostOf(host))) throw new HttpError(403, "host not allowed");
  };

  const guard = (req: IncomingMessage, url: URL): void => {
    const origin = req.headers.origin;
    if (origin !== undefined) guardOrigin(origin);
    guardHost(req);
    if (HEALTH_PATHS.has(url.pathname)) return;
    if (url.pathname !== MCP_PATH && !(url.pathname === METRICS_PATH && metrics !== undefined))
      throw new HttpError(404, "not found");
    if (QUERY_TOKEN_NAMES.some((n) => url.searchParams.has(n))) {
      throw new HttpError(401, "credentials in the query string are not accepted; send Authorization: Bearer <token>");
    }
    if (cfg.token !== undefined) {
      const header = req.headers.authorization ?? "";
      const m = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
      if (m === null || !tokenMatches(m[1] ?? "", cfg.token))
        throw new HttpError(401, "missing or invalid bearer token");
    }
  };

  const handleMcp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    if (method !== "POST" && method !== "GET" && method !== "DELETE") {
      throw new HttpError(405, "method not allowed");
    }
    let body: unknown;
    if (method === "POST") {
      const raw = await readBody(req, cfg.maxBodyBytes);
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error: invalid JSON" }, id: null }),
        );
        return;
      }
    }
    const sid = req.headers["mcp-session-id"];
    if (typeof sid === "string") {
      const session = sessions.get(sid);
      if (session === undefined) throw new HttpError(404, "session not found");
      session.lastSeen = Date.now();
      session.active++;
      try {
        // The caller's traceparent becomes the active context, so the tool call's span joins the turn's trace.
        await withRemoteParent(req.headers, () => session.transport.handleRequest(req, res, body));
      } finally {
        session.active--;
        session.lastSeen = Date.now();
      }
      return;
    }
    if (method !== "POST" || !isInitializeRequest(body))
      throw new HttpError(400, "Mcp-Session-Id header is required (or send an initialize request)");
    const client = clientKey(req);
    if (heldBy(client) >= cfg.maxSessionsPerClient) {
      throw new HttpError(
        429,
        `this client already holds ${cfg.maxSessionsPerClient} sessions, the most allowed: reuse one, end one with DELETE, or wait for an idle one to expire (${cfg.sessionIdleMs} ms)`,
      );
    }
    let total = 0;
    for (const n of opening.values()) total += n;
    if (sessions.size + total >= cfg.maxSessions)
      throw new HttpError(503, "too many sessions on this server; retry later");
    opening.set(client, (opening.get(client) ?? 0) + 1);
    // The slot is released once, whichever comes first: the session exists (it counts itself from then on, so
    // holding the slot too would count it twice and refuse a concurrent initialize under the cap) or the
    // initialize ended without one.
    let slotHeld = true;
    const releaseSlot = (): void => {
      if (!slotHeld) return;
      slotHeld = false;
      const left = (opening.get(client) ?? 1) - 1;
      if (left > 0) opening.set(client, left);
      else opening.delete(client);
    };
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, client, lastSeen: Date.now(), active: 0 });
        releaseSlot();
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id !== undefined) sessions.delete(id);
    };
    // FastMCP's connect is not awaited before the request is handled: it polls (10 x 100 ms, then warns "could not
    // infer client capabilities") for the capabilities this very initialize carries. Its synchronous part attaches
    // the SDK server to the transport, so the request reaches it, and connect ends within one poll. allSettled holds
    // both promises from the start: a connect failing while the request runs is no unhandled rejection.
    const [connected, handled] = await Promise.allSettled([
      mcp.connect(transport),
      transport.handleRequest(req, res, body),
    ]);
    // An initialize the transport refused held its slot until here (connect polls its full second then): a client
    // cannot pile up half-open transports past its cap.
    releaseSlot();
    // an initialize the transport rejected, or whose FastMCP session failed, leaves no session behind
    if (connected.status === "rejected" || transport.sessionId === undefined || !sessions.has(transport.sessionId))
      await transport.close();
    if (connected.status === "rejected") throw connected.reason; // logged, and a 500 if nothing was answered yet
    if (handled.status === "rejected") throw handled.reason;
  };

  const httpServer: NodeHttpServer = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? "/", "http://localhost");
        const origin = req.headers.origin;
        if (req.method === "OPTIONS") {
          // CORS preflight: carries no credentials; only an allowed Origin gets an answer
          if (origin === undefined) throw new HttpError(405, "method not allowed");
          guardOrigin(origin);
          guardHost(req);
          if (url.pathname !== MCP_PATH) throw new HttpError(404, "not found");
          res.writeHead(204, { ...CORS_HEADERS, "access-control-allow-origin": origin, vary: "Origin" });
          res.end();
          return;
        }
        guard(req, url);
        if (origin !== undefined) {
          res.setHeader("access-control-allow-origin", origin);
          res.setHeader("access-control-expose-headers", CORS_HEADERS["access-control-expose-headers"]);
          res.setHeader("vary", "Origin");
        }
        if (HEALTH_PATHS.has(url.pathname)) {
          if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "method not allowed");
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ status: "ok", sessions: sessions.size }));
          return;
        }
        if (url.pathname === METRICS_PATH && metrics !== undefined) {
          // Behind the same token as /mcp when one is set.
          if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "method not allowed");
          const { contentType, body } = await exposition(metrics);
          res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
          res.end(body);
          return;
        }
        await handleMcp(req, res);
      } catch (err) {
        if (err instanceof HttpError) {
          if (err.status === 401 || err.status === 403) {
            const path = (req.url ?? "/").split("?")[0] ?? "/"; // never log a query string: it may hold a token
            log.warn("request refused", {
              status: err.status,
              method: req.method ?? "?",
              path,
              from: req.socket.remoteAddress ?? "?",
              reason: err.message,
            });
          }
          const headers: Record<string, string> = {};
          if (err.status === 401) headers["www-authenticate"] = 'Bearer realm="mcp-fileserver"';
          if (err.status === 413) headers.connection = "close";
          if (err.status === 429 || err.status === 503)
            headers["retry-after"] = String(Math.max(1, Math.ceil(cfg.sessionIdleMs / 1000)));
          sendError(res, err.status, err.message, headers);
          if (err.status === 413) req.resume();
          return;
        }
        log.error("http request failed", { error: errorMessage(err) });
        sendError(res, 500, "internal error");
      }
    })();
  });
  httpServer.headersTimeout = 30_000;
  httpServer.requestTimeout = 120_000;

  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const [id, s] of sessions) {
        if (s.active === 0 && now - s.lastSeen > cfg.sessionIdleMs) {
          sessions.delete(id);
          void bestEffort(s.transport.close(), log, "closing an idle session");
        }
      }
    },
    Math.min(60_000, Math.max(250, Math.floor(cfg.sessionIdleMs / 4))),
  );
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(cfg.port, cfg.host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = cfg.host.includes(":") && !cfg.host.startsWith("[") ? `[${cfg.host}]` : cfg.host;
  const url = `http://${shownHost}:${port}${MCP_PATH}`;
  return {
    url,
    port,
    async close() {
      clearInterval(sweeper);
      for (const s of sessions.values()) await bestEffort(s.transport.close(), log, "closing an MCP session");
      sessions.clear();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
    },
  };
}
