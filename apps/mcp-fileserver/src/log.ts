import type { Logger } from "@acb/logger";

/** The logger shape fastmcp calls (console-like: a list of values of every kind). */
export interface FastMcpLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

function render(arg: unknown): string {
  if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
  if (typeof arg === "string") return arg;
  try {
    return JSON.stringify(arg);
  } catch {
    return String(arg);
  }
}

/** fastmcp's own messages go through the one logger (stderr only: stdout belongs to the stdio transport). */
export function fastmcpLogger(log: Logger): FastMcpLogger {
  const line = (args: unknown[]): string => args.map(render).join(" ");
  return {
    debug: (...a) => log.debug(line(a)),
    info: (...a) => log.info(line(a)),
    log: (...a) => log.info(line(a)),
    warn: (...a) => log.warn(line(a)),
    error: (...a) => log.error(line(a)),
  };
}
