/**
 * The one logger of every app and package: pino JSON lines on stderr (stdout stays free for whatever runs us,
 * e.g. the MCP stdio transport). Call shape `log.info(msg, fields)`; `child(bindings)` adds fields to every line.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const satisfies readonly LogLevel[];
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line also carries `bindings`. */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  /** Where lines go; default stderr, written synchronously so nothing is lost when the process exits. */
  readonly destination?: DestinationStream;
}

/** A logger for `service` at `level`: one JSON object per line with `level` (a name), `time` (ISO), `service`, `msg`. */
export function createLogger(service: string, level: LogLevel, options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  return wrap(
    pino(
      {
        level,
        base: { service },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    ),
  );
}

function wrap(p: PinoLogger): Logger {
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (bindings) => wrap(p.child(bindings)),
  };
}

/** A logger that drops everything (tests, and packages used without one). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** The message of anything thrown, for a log field (no stack: logs are read by people, stacks go to debug). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : typeof err === "string" ? err : "unknown error";
}

/**
 * Awaits work whose failure must not fail the caller (a heartbeat, a close, a cleanup) and logs what failed
 * instead of swallowing it. Never rejects.
 */
export async function bestEffort(work: Promise<unknown>, log: Logger, what: string): Promise<void> {
  try {
    await work;
  } catch (err) {
    log.warn(`${what} failed`, { error: errorMessage(err) });
  }
}

export { errorFields, type ErrorFields } from "./error-fields.js";
export { exitOnFatal, failStart, listenFailure } from "./fatal.js";
