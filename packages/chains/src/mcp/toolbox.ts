/**
 * The MCP toolbox: keeps one MCP connection per configured server, turns the servers' tools into LangChain tools,
 * and survives servers that are down, slow or restarted.
 *
 * Connections use the MCP SDK's transports directly (one Client per server) and `loadMcpTools` from
 * @langchain/mcp-adapters for the tool schemas; MultiServerMCPClient is not used because it connects servers one after
 * the other without a connect timeout, skips a server that failed once for good, and its HTTP client does not start a
 * new session when the server restarted.
 */
import { bestEffort, errorMessage, silentLogger, type Logger } from "@acb/logger";
import { loadMcpTools } from "@langchain/mcp-adapters";
import { DynamicStructuredTool, type StructuredToolInterface } from "@langchain/core/tools";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { ToolCallInstrument } from "@acb/telemetry";
import { raceSignal } from "../timeouts.js";
import type { McpServerConfig } from "./config.js";
import { connectReason, field, isConnectionError, isSessionGone, McpToolError, seconds } from "./errors.js";
import { transportFor } from "./transports.js";

export interface McpServerStatus {
  name: string;
  transport: string;
  connected: boolean;
  tools: number;
  /** Client-safe: no host paths, no URLs. */
  error?: string;
}

export interface McpToolboxOptions {
  /** Each tool call is bounded by this; a timed-out call fails with a tool error. */
  toolTimeoutMs: number;
  /** Each connect (spawn/handshake + tool listing) is bounded by this. */
  connectTimeoutMs: number;
  /** Re-check a connected server's tools at most this often (default 30 s; 0 = on every `tools()` call). */
  refreshMs?: number;
  log?: Logger;
  /** Wraps every tool call (metrics, an `execute_tool` span); see @acb/telemetry instrumentToolCalls. */
  instrument?: ToolCallInstrument;
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

  private get log(): Logger {
    return this.options.log ?? silentLogger;
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
      const out: McpServerStatus = {
        name: s.name,
        transport: s.config.transport,
        connected,
        tools: connected ? (s.conn?.tools.length ?? 0) : 0,
      };
      if (!connected && s.error !== undefined) out.error = s.error;
      return out;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.servers.map(async (s) => {
        const pending = s.connecting;
        if (pending !== undefined) await bestEffort(pending, this.log, "connecting before close");
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
      const tools = await raceSignal(this.load(s, conn.client), AbortSignal.timeout(this.options.connectTimeoutMs));
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

  private async connect(s: ServerState): Promise<Connection | undefined> {
    const started = Date.now();
    let transport: Transport | undefined;
    let client: Client | undefined;
    const abandon = (): void => {
      if (client) void bestEffort(client.close(), this.log, "closing an abandoned MCP client");
      if (transport) void bestEffort(transport.close(), this.log, "closing an abandoned MCP transport");
    };
    try {
      transport = transportFor(s.config);
      if (transport instanceof StdioClientTransport) this.drainStderr(s, transport);
      const c = new Client(CLIENT_INFO);
      client = c;
      const t = transport;
      const tools = await raceSignal(
        (async () => {
          await c.connect(t, { timeout: this.options.connectTimeoutMs });
          return await this.load(s, c);
        })(),
        AbortSignal.timeout(this.options.connectTimeoutMs),
      );
      if (this.closed) {
        abandon();
        return undefined;
      }
      const conn: Connection = { client: c, transport: t, tools, checkedAt: Date.now(), stale: false };
      c.onclose = () => {
        if (!conn.stale)
          this.markStale(s, conn, new McpError(ErrorCode.ConnectionClosed, "closed"), "the connection closed");
      };
      const previous = s.conn;
      s.conn = conn;
      s.error = undefined;
      if (previous !== undefined && previous !== conn) void this.dispose(previous);
      this.log.info("mcp server connected", {
        server: s.name,
        transport: s.config.transport,
        tools: tools.length,
        ms: Date.now() - started,
      });
      return conn;
    } catch (err) {
      abandon();
      const reason = connectReason(err, this.options.connectTimeoutMs);
      s.error = `cannot connect: ${reason}`;
      this.log.warn("mcp server unavailable", {
        server: s.name,
        transport: s.config.transport,
        reason,
        ms: Date.now() - started,
      });
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
        if (line !== "") this.log.info("mcp server stderr", { server: s.name, line: line.slice(0, 500) });
      }
    });
    stream.on("error", (err: Error) =>
      this.log.warn("reading an MCP server's stderr failed", { server: s.name, error: errorMessage(err) }),
    );
  }

  /** Lists a server's tools (schemas via @langchain/mcp-adapters) and wraps each one. */
  private async load(s: ServerState, client: Client): Promise<StructuredToolInterface[]> {
    const loaded = await loadMcpTools(s.name, client, { throwOnLoadError: false, prefixToolNameWithServerName: false });
    return loaded.map((t) => this.wrap(s, t.name, t.description, t.schema));
  }

  private wrap(
    s: ServerState,
    toolName: string,
    description: string,
    schema: DynamicStructuredTool["schema"],
  ): StructuredToolInterface {
    return new DynamicStructuredTool({
      name: this.prefix ? `${s.name}__${toolName}` : toolName,
      description,
      schema,
      metadata: { mcpServer: s.name, mcpTool: toolName },
      func: async (args: unknown, _runManager, config) =>
        (this.options.instrument ?? ((_s, _t, call) => call()))(s.name, toolName, () =>
          this.call(s, toolName, args, config?.signal),
        ),
    });
  }

  /** One tool call, bounded by toolTimeoutMs. A stale session (server restarted) is renewed once, transparently. */
  private async call(
    s: ServerState,
    toolName: string,
    args: unknown,
    signal: AbortSignal | undefined,
    retried = false,
  ): Promise<string> {
    signal?.throwIfAborted();
    const conn = await this.connection(s);
    if (conn === undefined) {
      throw new McpToolError(
        `the MCP server "${s.name}" is unavailable (${s.error ?? "not connected"})`,
        "unavailable",
      );
    }
    const timeoutMs = this.options.toolTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal !== undefined ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const argsObject =
        args !== null && typeof args === "object" && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
      const result = await conn.client.callTool({ name: toolName, arguments: argsObject }, undefined, {
        signal: combined,
        timeout: timeoutMs + 1000,
      });
      const text = resultText(result.content);
      if (result.isError === true)
        throw new McpToolError(text.trim() !== "" ? text : `the tool ${toolName} failed`, "tool");
      return text;
    } catch (err) {
      if (err instanceof McpToolError) throw err;
      if (signal?.aborted === true) throw err;
      if (timeout.aborted || (err instanceof McpError && err.code === Number(ErrorCode.RequestTimeout))) {
        this.log.warn("mcp tool timed out", { server: s.name, tool: toolName, timeoutMs });
        throw new McpToolError(`the tool ${toolName} did not finish within ${seconds(timeoutMs)}`, "timeout");
      }
      if (isConnectionError(err)) {
        this.markStale(s, conn, err, "a tool call failed");
        if (!retried && isSessionGone(err)) {
          this.log.info("mcp session expired; starting a new session", { server: s.name });
          return await this.call(s, toolName, args, signal, true);
        }
        throw new McpToolError(
          `the MCP server "${s.name}" is unavailable (${connectReason(err, this.options.connectTimeoutMs)}); try again`,
          "unavailable",
        );
      }
      const message = err instanceof McpError ? err.message : "the tool call failed";
      throw new McpToolError(message.slice(0, 500), "tool");
    }
  }

  private markStale(s: ServerState, conn: Connection, err: unknown, what: string): void {
    if (conn.stale) return;
    conn.stale = true;
    const reason = connectReason(err, this.options.connectTimeoutMs);
    s.error = `disconnected: ${reason}`;
    this.log.warn("mcp server connection lost; it will be reconnected", { server: s.name, what, reason });
    if (s.conn === conn) s.conn = undefined;
    void this.dispose(conn);
  }

  private async dispose(conn: Connection): Promise<void> {
    conn.stale = true;
    conn.client.onclose = undefined;
    // End the HTTP session on the server (best effort, bounded), so reconnects do not leave sessions behind.
    if (conn.transport instanceof StreamableHTTPClientTransport && conn.transport.sessionId !== undefined) {
      await bestEffort(
        raceSignal(conn.transport.terminateSession(), AbortSignal.timeout(1000)),
        this.log,
        "ending the MCP session",
      );
    }
    try {
      await conn.client.close();
    } catch {
      // already closed
    }
  }
}
