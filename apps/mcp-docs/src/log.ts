/**
 * The one logger (@acb/logger: pino JSON lines on stderr; stdout belongs to the stdio transport), named for
 * this server. fastmcp's console-like logger is adapted by the file server's `fastmcpLogger`.
 */
import { createLogger as createServiceLogger, type Logger, type LogLevel } from "@acb/logger";

export type { Logger };
export type Level = Exclude<LogLevel, "silent">;

export function createLogger(level: Level): Logger {
  return createServiceLogger("mcp-docs", level);
}
