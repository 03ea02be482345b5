import { errorFields } from "./error-fields.js";
import type { Logger } from "./index.js";

/** The listen error of a server, as one clear line (EADDRINUSE → "port 8000 is already in use"). */
export function listenFailure(
  err: unknown,
  host: string,
  port: number,
): { msg: string; fields: Record<string, unknown> } {
  const code = err !== null && typeof err === "object" ? (err as { code?: unknown }).code : undefined;
  const msg =
    code === "EADDRINUSE"
      ? `cannot listen: port ${port} is already in use`
      : code === "EACCES"
        ? `cannot listen: no permission to use port ${port}`
        : code === "EADDRNOTAVAIL"
          ? `cannot listen: ${host} is not an address of this machine`
          : "cannot listen";
  return { msg, fields: { host, port, ...(typeof code === "string" ? { code } : errorFields(err)) } };
}

/**
 * A process that cannot start, or that meets an error nothing handled, says so in one JSON line and exits 1,
 * instead of Node's multi-line stack trace (which log pipelines split into unparseable lines).
 */
export function exitOnFatal(log: Logger, exit: (code: number) => never = (code) => process.exit(code)): void {
  process.on("uncaughtException", (err) => {
    log.error("fatal: uncaught error; exiting", { ...errorFields(err) });
    exit(1);
  });
  process.on("unhandledRejection", (err) => {
    log.error("fatal: unhandled rejection; exiting", { ...errorFields(err) });
    exit(1);
  });
}

/** Logs a start failure as one line and exits 1. */
export function failStart(log: Logger, msg: string, fields: Record<string, unknown> = {}): never {
  log.error(msg, fields);
  process.exit(1);
}
