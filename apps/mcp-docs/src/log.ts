/**
 * Logs go to stderr only: stdout belongs to the stdio transport. Same shape as the file server's logger
 * (its Logger interface is what the shared HTTP front expects), with this server's name.
 */
import type { Logger } from "@acb/mcp-fileserver/dist/log.js";

export type { Logger };
export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function render(arg: unknown): string {
  if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
  if (typeof arg === "string") return arg;
  try {
    return JSON.stringify(arg);
  } catch {
    return String(arg);
  }
}

export function createLogger(level: Level, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (at: Level, args: unknown[]) => {
    if (ORDER[at] < ORDER[level]) return;
    write(`${new Date().toISOString()} ${at.toUpperCase()} mcp-docs ${args.map(render).join(" ")}\n`);
  };
  return {
    debug: (...a) => emit("debug", a),
    info: (...a) => emit("info", a),
    log: (...a) => emit("info", a),
    warn: (...a) => emit("warn", a),
    error: (...a) => emit("error", a),
  };
}
