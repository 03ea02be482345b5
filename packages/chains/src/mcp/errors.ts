/** MCP failures: the tool error the model and clients see, and client-safe reasons for broken connections. */
import { SseError } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { causes, field, seconds } from "../error-chain.js";

export { field, seconds };

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

/** The HTTP client's session is gone (the server restarted or expired it): the request was not processed. */
export function isSessionGone(err: unknown): boolean {
  return (err instanceof StreamableHTTPError || err instanceof SseError) && err.code === 404;
}

/** Errors of the connection rather than of the tool: the server must be reconnected. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof McpError) return err.code === Number(ErrorCode.ConnectionClosed);
  return true;
}

/** A short, client-safe reason for a failed connection (no URLs, no host paths, no stack). */
export function connectReason(err: unknown, connectTimeoutMs: number): string {
  for (const e of causes(err)) {
    if (field(e, "name") === "TimeoutError") return `did not answer within ${seconds(connectTimeoutMs)}`;
    const code = field(e, "code");
    if (e instanceof StreamableHTTPError || e instanceof SseError) {
      if (typeof code === "number")
        return code === 401 || code === 403 ? `HTTP ${code} (check the server's token/headers)` : `HTTP ${code}`;
    }
    if (code === "ECONNREFUSED") return "connection refused";
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
    if (code === "ENOENT") return "command not found";
    if (code === "EACCES") return "command not executable";
    if (code === "ECONNRESET") return "connection reset";
    if (e instanceof McpError && e.code === Number(ErrorCode.ConnectionClosed))
      return "the server closed the connection";
  }
  return "connection failed";
}
