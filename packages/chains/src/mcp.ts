/**
 * MCP client side: server config (the seed's env names, or a JSON map of several servers) and a toolbox that keeps
 * one MCP connection per server, turns the servers' tools into LangChain tools, and survives servers that are down,
 * slow or restarted.
 *
 * Connections use the MCP SDK's transports directly (one Client per server) and `loadMcpTools` from
 * @langchain/mcp-adapters for the tool schemas; MultiServerMCPClient is not used because it connects servers one after
 * the other without a connect timeout, skips a server that failed once for good, and its HTTP client does not start a
 * new session when the server restarted.
 */
import { loadMcpTools } from "@langchain/mcp-adapters";
import { DynamicStructuredTool, type StructuredToolInterface } from "@langchain/core/tools";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport, SseError } from "@modelcontextprotocol/sdk/client/sse.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

// ---------------------------------------------------------------- config

export type McpServerConfig =
  | { transport: "stdio"; command: string; args?: string[]; env?: Record<string, string>; cwd?: string }
  | { transport: "streamable_http" | "sse"; url: string; headers?: Record<string, string> };

export const DEFAULT_MCP_SERVER_URL = "http://localhost:8080/mcp";
/** The server name used when one server is configured from MCP_SERVER_URL / MCP_TRANSPORT. */
export const DEFAULT_MCP_SERVER_NAME = "files";

const SERVER_NAME = /^[A-Za-z0-9_-]{1,32}$/;

const httpUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL");

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid HTTP header name");
const headerValue = z.string().refine((s) => !/[\r\n\0]/.test(s), "must not contain line breaks");

const StdioServerSchema = z
  .object({
    transport: z.literal("stdio"),
    command: z.string().trim().min(1),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().min(1).optional(),
  })
  .strict();

const HttpServerSchema = z
  .object({
    transport: z.enum(["streamable_http", "http", "sse"]),
    url: httpUrl,
    headers: z.record(headerName, headerValue).optional(),
  })
  .strict()
  .transform((s): McpServerConfig => {
    const transport = s.transport === "http" ? "streamable_http" : s.transport;
    return s.headers === undefined ? { transport, url: s.url } : { transport, url: s.url, headers: s.headers };
  });

const ServerSchema = z.union([StdioServerSchema, HttpServerSchema]).transform((s): McpServerConfig => {
  if (s.transport !== "stdio") return s;
  const out: McpServerConfig = { transport: "stdio", command: s.command };
  if (s.args !== undefined) out.args = s.args;
  if (s.env !== undefined) out.env = s.env;
  if (s.cwd !== undefined) out.cwd = s.cwd;
  return out;
});

/** The MCP_SERVERS value: a JSON object `{name: McpServerConfig}`; names 1–32 chars [A-Za-z0-9_-]; "http" = "streamable_http". */
export const McpServersSchema: z.ZodType<Record<string, McpServerConfig>> = z
  .record(z.string().regex(SERVER_NAME, "server names are 1-32 characters of A-Z a-z 0-9 _ -"), ServerSchema)
  .refine((r) => Object.keys(r).length > 0, "at least one server is required");

export interface McpEnv {
  MCP_SERVERS?: string;
  MCP_SERVER_URL?: string;
  MCP_TRANSPORT?: string;
  MCP_STDIO_COMMAND?: string;
  MCP_STDIO_ARGS?: string;
}

export type McpServersResult = { ok: true; value: Record<string, McpServerConfig> } | { ok: false; message: string };

const set = (s: string | undefined): s is string => s !== undefined && s.trim() !== "";

function issueText(error: z.ZodError): string {
  const first = error.issues[0];
  if (first === undefined) return "is invalid";
  const where = first.path.length > 0 ? ` at ${first.path.map(String).join(".")}` : "";
  return `${first.message}${where}`;
}

/**
 * The MCP servers from the seed's env names (values passed in; packages never read the environment).
 * MCP_SERVERS (JSON) wins when set; else one server named "files" from MCP_SERVER_URL (default
 * http://localhost:8080/mcp) and MCP_TRANSPORT (streamable_http | http | sse | stdio, default streamable_http); for
 * stdio, MCP_STDIO_COMMAND and MCP_STDIO_ARGS (a JSON array of strings) are used instead of the URL.
 */
export function mcpServersFromEnv(env: McpEnv): McpServersResult {
  if (set(env.MCP_SERVERS)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.MCP_SERVERS);
    } catch {
      return { ok: false, message: "MCP_SERVERS must be a JSON object {name: {transport, url | command, ...}} (it is not valid JSON)" };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return { ok: false, message: "MCP_SERVERS must be a JSON object {name: {transport, url | command, ...}}" };
    }
    const r = McpServersSchema.safeParse(parsed);
    if (!r.success) return { ok: false, message: `MCP_SERVERS is invalid: ${issueText(r.error)}` };
    return { ok: true, value: r.data };
  }

  const transportRaw = set(env.MCP_TRANSPORT) ? env.MCP_TRANSPORT.trim().toLowerCase().replace("-", "_") : "streamable_http";
  if (transportRaw === "stdio") {
    if (!set(env.MCP_STDIO_COMMAND)) {
      return { ok: false, message: "MCP_STDIO_COMMAND is required when MCP_TRANSPORT=stdio (the command that starts the MCP server)" };
    }
    let args: string[] = [];
    if (set(env.MCP_STDIO_ARGS)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(env.MCP_STDIO_ARGS);
      } catch {
        return { ok: false, message: 'MCP_STDIO_ARGS must be a JSON array of strings, e.g. ["dist/main.js","--root","./files"]' };
      }
      const r = z.array(z.string()).safeParse(parsed);
      if (!r.success) return { ok: false, message: 'MCP_STDIO_ARGS must be a JSON array of strings, e.g. ["dist/main.js","--root","./files"]' };
      args = r.data;
    }
    return { ok: true, value: { [DEFAULT_MCP_SERVER_NAME]: { transport: "stdio", command: env.MCP_STDIO_COMMAND.trim(), args } } };
  }
  if (transportRaw !== "streamable_http" && transportRaw !== "http" && transportRaw !== "sse") {
    return { ok: false, message: `MCP_TRANSPORT must be streamable_http, sse or stdio (got ${JSON.stringify(env.MCP_TRANSPORT?.slice(0, 40))})` };
  }
  const url = set(env.MCP_SERVER_URL) ? env.MCP_SERVER_URL.trim() : DEFAULT_MCP_SERVER_URL;
  if (!httpUrl.safeParse(url).success) {
    return { ok: false, message: `MCP_SERVER_URL must be an http(s) URL like ${DEFAULT_MCP_SERVER_URL}` };
  }
  const transport = transportRaw === "sse" ? "sse" : "streamable_http";
  return { ok: true, value: { [DEFAULT_MCP_SERVER_NAME]: { transport, url } } };
}

// ---------------------------------------------------------------- errors

/** Raised by a toolbox tool; `message` is safe to show the model and clients (no host paths, no URLs). */
export class McpToolError extends Error {
  constructor(
    message: string,
    readonly kind: "tool" | "timeout" | "unavailable",
  ) {
    super(message);
    this.name = "McpToolError";
  }
}

function field(err: unknown, key: string): unknown {
  return err !== null && typeof err === "object" ? (err as Record<string, unknown>)[key] : undefined;
}

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur !== undefined && cur !== null; i++) {
    out.push(cur);
    cur = field(cur, "cause");
  }
  return out;
}

/** The HTTP client's session is gone (the server restarted or expired it): the request was not processed. */
function isSessionGone(err: unknown): boolean {
  return (err instanceof StreamableHTTPError || err instanceof SseError) && err.code === 404;
}

/** Errors of the connection rather than of the tool: the server must be reconnected. */
function isConnectionError(err: unknown): boolean {
  if (err instanceof McpError) return err.code === Number(ErrorCode.ConnectionClosed);
  return true;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** A short, client-safe reason for a failed connection (no URLs, no host paths, no stack). */
function connectReason(err: unknown, connectTimeoutMs: number): string {
  for (const e of causes(err)) {
    if (e instanceof ConnectTimeout) return `did not answer within ${seconds(connectTimeoutMs)}`;
    const code = field(e, "code");
    if (e instanceof StreamableHTTPError || e instanceof SseError) {
      if (typeof code === "number") return code === 401 || code === 403 ? `HTTP ${code} (check the server's token/headers)` : `HTTP ${code}`;
    }
    if (code === "ECONNREFUSED") return "connection refused";
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
    if (code === "ENOENT") return "command not found";
    if (code === "EACCES") return "command not executable";
    if (code === "ECONNRESET") return "connection reset";
    if (e instanceof McpError && e.code === Number(ErrorCode.ConnectionClosed)) return "the server closed the connection";
  }
  return "connection failed";
}

class ConnectTimeout extends Error {
  constructor() {
    super("connect timeout");
    this.name = "ConnectTimeout";
  }
}

class ToolTimeout extends Error {
  constructor() {
    super("tool timeout");
    this.name = "TimeoutError";
  }
}

// ---------------------------------------------------------------- toolbox

export interface McpServerStatus {
  name: string;
  transport: string;
  connected: boolean;
  tools: number;
  /** Client-safe: no host paths, no URLs. */
  error?: string;
}

export type McpLog = (level: "info" | "warn", msg: string, fields?: Record<string, string | number | boolean>) => void;

export interface McpToolboxOptions {
  /** Each tool call is bounded by this; a timed-out call fails with a tool error. */
  toolTimeoutMs: number;
  /** Each connect (spawn/handshake + tool listing) is bounded by this. */
  connectTimeoutMs: number;
  /** Re-check a connected server's tools at most this often (default 30 s; 0 = on every `tools()` call). */
  refreshMs?: number;
  log?: McpLog;
}

export const DEFAULT_MCP_REFRESH_MS = 30_000;

interface Connection {
  readonly client: Client;
  readonly transport: Transport;
  tools: StructuredToolInterface[];
  checkedAt: number;
  stale: boolean;
}

interface ServerState {
  readonly name: string;
  readonly config: McpServerConfig;
  conn?: Connection;
  connecting?: Promise<Connection | undefined>;
  error?: string;
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new ConnectTimeout());
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The text of an MCP tool result: text blocks joined by newlines; other blocks are described, not dropped silently. */
function resultText(content: unknown): string {
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const block of content as unknown[]) {
    const type = field(block, "type");
    if (type === "text" && typeof field(block, "text") === "string") parts.push(field(block, "text") as string);
    else if (type === "resource") {
      const text = field(field(block, "resource"), "text");
      const uri = field(field(block, "resource"), "uri");
      parts.push(typeof text === "string" ? text : `[resource ${typeof uri === "string" ? uri : ""}]`);
    } else if (type === "resource_link") {
      const uri = field(block, "uri");
      parts.push(`[resource link ${typeof uri === "string" ? uri : ""}]`);
    } else if (typeof type === "string") parts.push(`[${type} content omitted]`);
  }
  return parts.join("\n");
}

const CLIENT_INFO = { name: "acb-chains", version: "0.1.0" };

/**
 * The tools of every configured MCP server. See {@link McpToolbox.tools}.
 */
export class McpToolbox {
  private readonly servers: ServerState[];
  private readonly options: McpToolboxOptions;
  private readonly prefix: boolean;
  private closed = false;

  constructor(servers: Record<string, McpServerConfig>, options: McpToolboxOptions) {
    this.servers = Object.entries(servers).map(([name, config]) => ({ name, config }));
    this.options = options;
    this.prefix = this.servers.length > 1;
  }

  private log(level: "info" | "warn", msg: string, fields?: Record<string, string | number | boolean>): void {
    try {
      this.options.log?.(level, msg, fields);
    } catch {
      // a failing logger must not break tool loading
    }
  }

  /**
   * The tools of every reachable server, named `${server}__${tool}` when more than one server is configured (plain
   * names with one server, so the seed's list_dir/read_text names stay). Never throws: a server that is down
   * contributes no tools and does not hold up the others (connects run in parallel, each bounded by
   * connectTimeoutMs). A server that failed, or whose connection broke (a tool call failed with a connection or
   * session error, e.g. it restarted), is reconnected and its tools reloaded on the next call.
   */
  async tools(): Promise<StructuredToolInterface[]> {
    if (this.closed) return [];
    const lists = await Promise.all(this.servers.map((s) => this.toolsOf(s)));
    return lists.flat();
  }

  status(): McpServerStatus[] {
    return this.servers.map((s) => {
      const connected = s.conn !== undefined && !s.conn.stale;
      const out: McpServerStatus = { name: s.name, transport: s.config.transport, connected, tools: connected ? (s.conn?.tools.length ?? 0) : 0 };
      if (!connected && s.error !== undefined) out.error = s.error;
      return out;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.servers.map(async (s) => {
        const pending = s.connecting;
        if (pending !== undefined) await pending.catch(() => undefined);
        const conn = s.conn;
        s.conn = undefined;
        if (conn !== undefined) await this.dispose(conn);
      }),
    );
  }

  private async toolsOf(s: ServerState): Promise<StructuredToolInterface[]> {
    const conn = s.conn;
    if (conn !== undefined && !conn.stale) {
      const refreshMs = this.options.refreshMs ?? DEFAULT_MCP_REFRESH_MS;
      if (Date.now() - conn.checkedAt < refreshMs) return conn.tools;
      if (await this.refresh(s, conn)) return conn.tools;
    }
    const fresh = await this.connection(s);
    return fresh?.tools ?? [];
  }

  /** Re-lists a connected server's tools; false when the connection turned out to be broken. */
  private async refresh(s: ServerState, conn: Connection): Promise<boolean> {
    try {
      const tools = await withTimeout(this.load(s, conn.client), this.options.connectTimeoutMs, () => undefined);
      conn.tools = tools;
      conn.checkedAt = Date.now();
      return true;
    } catch (err) {
      this.markStale(s, conn, err, "the tool list could not be refreshed");
      return false;
    }
  }

  /** The live connection of a server, connecting (once, shared by concurrent callers) when there is none. */
  private connection(s: ServerState): Promise<Connection | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    if (s.conn !== undefined && !s.conn.stale) return Promise.resolve(s.conn);
    if (s.connecting !== undefined) return s.connecting;
    const attempt = this.connect(s).finally(() => {
      s.connecting = undefined;
    });
    s.connecting = attempt;
    return attempt;
  }

  private transportFor(config: McpServerConfig): Transport {
    if (config.transport === "stdio") {
      return new StdioClientTransport({
        command: config.command,
        args: config.args ?? [],
        ...(config.env !== undefined ? { env: { ...getDefaultEnvironment(), ...config.env } } : {}),
        ...(config.cwd !== undefined ? { cwd: config.cwd } : {}),
        stderr: "pipe",
      });
    }
    const requestInit = config.headers !== undefined ? { headers: config.headers } : undefined;
    if (config.transport === "sse") {
      return new SSEClientTransport(new URL(config.url), {
        ...(requestInit !== undefined ? { requestInit } : {}),
        ...(config.headers !== undefined
          ? {
              eventSourceInit: {
                fetch: (url: string | URL, init?: RequestInit) => {
                  const headers = new Headers(init?.headers);
                  for (const [k, v] of Object.entries(config.headers ?? {})) headers.set(k, v);
                  return fetch(url, { ...init, headers });
                },
              },
            }
          : {}),
      });
    }
    return new StreamableHTTPClientTransport(new URL(config.url), {
      ...(requestInit !== undefined ? { requestInit } : {}),
      // No background retries of the standalone GET stream: a broken server is noticed and reconnected by the toolbox.
      reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
    });
  }

  private async connect(s: ServerState): Promise<Connection | undefined> {
    const started = Date.now();
    let transport: Transport | undefined;
    let client: Client | undefined;
    const abandon = (): void => {
      void client?.close().catch(() => undefined);
      void transport?.close().catch(() => undefined);
    };
    try {
      transport = this.transportFor(s.config);
      if (transport instanceof StdioClientTransport) this.drainStderr(s, transport);
      const c = new Client(CLIENT_INFO);
      client = c;
      const t = transport;
      const tools = await withTimeout(
        (async () => {
          await c.connect(t, { timeout: this.options.connectTimeoutMs });
          return await this.load(s, c);
        })(),
        this.options.connectTimeoutMs,
        abandon,
      );
      if (this.closed) {
        abandon();
        return undefined;
      }
      const conn: Connection = { client: c, transport: t, tools, checkedAt: Date.now(), stale: false };
      c.onclose = () => {
        if (!conn.stale) this.markStale(s, conn, new McpError(ErrorCode.ConnectionClosed, "closed"), "the connection closed");
      };
      const previous = s.conn;
      s.conn = conn;
      s.error = undefined;
      if (previous !== undefined && previous !== conn) void this.dispose(previous);
      this.log("info", "mcp server connected", { server: s.name, transport: s.config.transport, tools: tools.length, ms: Date.now() - started });
      return conn;
    } catch (err) {
      abandon();
      const reason = connectReason(err, this.options.connectTimeoutMs);
      s.error = `cannot connect: ${reason}`;
      this.log("warn", "mcp server unavailable", { server: s.name, transport: s.config.transport, reason, ms: Date.now() - started });
      return undefined;
    }
  }

  private drainStderr(s: ServerState, transport: StdioClientTransport): void {
    const stream = transport.stderr;
    if (stream === null) return;
    let pending = "";
    stream.on("data", (b: Buffer | string) => {
      pending += b.toString();
      if (pending.length > 64 * 1024) pending = pending.slice(-64 * 1024);
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line !== "") this.log("info", "mcp server stderr", { server: s.name, line: line.slice(0, 500) });
      }
    });
    stream.on("error", () => undefined);
  }

  /** Lists a server's tools (schemas via @langchain/mcp-adapters) and wraps each one. */
  private async load(s: ServerState, client: Client): Promise<StructuredToolInterface[]> {
    const loaded = await loadMcpTools(s.name, client, { throwOnLoadError: false, prefixToolNameWithServerName: false });
    return loaded.map((t) => this.wrap(s, t.name, t.description, t.schema));
  }

  private wrap(s: ServerState, toolName: string, description: string, schema: DynamicStructuredTool["schema"]): StructuredToolInterface {
    return new DynamicStructuredTool({
      name: this.prefix ? `${s.name}__${toolName}` : toolName,
      description,
      schema,
      metadata: { mcpServer: s.name, mcpTool: toolName },
      func: async (args: unknown, _runManager, config) => this.call(s, toolName, args, config?.signal),
    });
  }

  /** One tool call, bounded by toolTimeoutMs. A stale session (server restarted) is renewed once, transparently. */
  private async call(s: ServerState, toolName: string, args: unknown, signal: AbortSignal | undefined, retried = false): Promise<string> {
    signal?.throwIfAborted();
    const conn = await this.connection(s);
    if (conn === undefined) {
      throw new McpToolError(`the MCP server "${s.name}" is unavailable (${s.error ?? "not connected"})`, "unavailable");
    }
    const timeoutMs = this.options.toolTimeoutMs;
    const timer = new AbortController();
    const handle = setTimeout(() => timer.abort(new ToolTimeout()), timeoutMs);
    const combined = signal !== undefined ? AbortSignal.any([signal, timer.signal]) : timer.signal;
    try {
      const argsObject = args !== null && typeof args === "object" && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
      const result = await conn.client.callTool({ name: toolName, arguments: argsObject }, undefined, {
        signal: combined,
        timeout: timeoutMs + 1000,
      });
      const text = resultText(result.content);
      if (result.isError === true) throw new McpToolError(text.trim() !== "" ? text : `the tool ${toolName} failed`, "tool");
      return text;
    } catch (err) {
      if (err instanceof McpToolError) throw err;
      if (signal?.aborted === true) throw err;
      if (timer.signal.aborted || (err instanceof McpError && err.code === Number(ErrorCode.RequestTimeout))) {
        this.log("warn", "mcp tool timed out", { server: s.name, tool: toolName, timeoutMs });
        throw new McpToolError(`the tool ${toolName} did not finish within ${seconds(timeoutMs)}`, "timeout");
      }
      if (isConnectionError(err)) {
        this.markStale(s, conn, err, "a tool call failed");
        if (!retried && isSessionGone(err)) {
          this.log("info", "mcp session expired; starting a new session", { server: s.name });
          return await this.call(s, toolName, args, signal, true);
        }
        throw new McpToolError(
          `the MCP server "${s.name}" is unavailable (${connectReason(err, this.options.connectTimeoutMs)}); try again`,
          "unavailable",
        );
      }
      const message = err instanceof McpError ? err.message : "the tool call failed";
      throw new McpToolError(message.slice(0, 500), "tool");
    } finally {
      clearTimeout(handle);
    }
  }

  private markStale(s: ServerState, conn: Connection, err: unknown, what: string): void {
    if (conn.stale) return;
    conn.stale = true;
    const reason = connectReason(err, this.options.connectTimeoutMs);
    s.error = `disconnected: ${reason}`;
    this.log("warn", "mcp server connection lost; it will be reconnected", { server: s.name, what, reason });
    if (s.conn === conn) s.conn = undefined;
    void this.dispose(conn);
  }

  private async dispose(conn: Connection): Promise<void> {
    conn.stale = true;
    conn.client.onclose = undefined;
    // End the HTTP session on the server (best effort, bounded), so reconnects do not leave sessions behind.
    if (conn.transport instanceof StreamableHTTPClientTransport && conn.transport.sessionId !== undefined) {
      await withTimeout(conn.transport.terminateSession(), 1000, () => undefined).catch(() => undefined);
    }
    try {
      await conn.client.close();
    } catch {
      // already closed
    }
  }
}
