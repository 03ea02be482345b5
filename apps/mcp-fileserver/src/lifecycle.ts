/** Start and stop of an MCP server process, the same for the file server and mcp-docs. */
import { ConfigError, HelpRequested } from "./errors.js";

/** Ends the process with one line `<app>: <message>` on stderr (exit 2: bad configuration, unless told). */
export function exitWith(app: string, message: string, code = 2): never {
  process.stderr.write(`${app}: ${message}\n`);
  process.exit(code);
}

/** The configuration, or the end: `--help` prints the usage and exits 0, a ConfigError exits 2 with one line. */
export function configOrExit<C>(app: string, load: () => C): C {
  try {
    return load();
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stderr.write(`${err.message}\n`);
      process.exit(0);
    }
    if (err instanceof ConfigError) exitWith(app, `config: ${err.message}`);
    throw err;
  }
}

/** On the first SIGINT or SIGTERM: `close`, then exit 0; after 3 s the process exits 0 whatever `close` is doing. */
export function exitOnSignals(close: () => Promise<void>): void {
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(0), 3000);
    timer.unref();
    void close().finally(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
