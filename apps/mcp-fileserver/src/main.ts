#!/usr/bin/env node
/**
 * Composition root: read config once, resolve the roots, build the server, start one transport.
 * fastmcp, the MCP SDK and OpenTelemetry (about 0.4 s of CPU) are imported only once the configuration and the roots
 * are checked, so a refused start is cheap.
 */
import { loadConfig } from "./config.js";
import { createLogger, errorFields, exitOnFatal, failStart, listenFailure, type Logger } from "@acb/logger";
import { resolveRoots, type Root } from "./paths.js";
import { configOrExit, exitOnSignals, exitWith } from "./lifecycle.js";
import { linearRegexAvailable } from "./regex.js";

function fail(message: string): never {
  return exitWith("mcp-fileserver", message);
}

async function main(): Promise<void> {
  const config = configOrExit("mcp-fileserver", () => loadConfig(process.argv.slice(2), process.env));
  const log = createLogger("mcp-fileserver", config.logLevel);
  started = log;
  exitOnFatal(log);
  let roots: Root[];
  try {
    roots = await resolveRoots(config.roots);
  } catch {
    const bad = await firstBadRoot(config.roots);
    fail(
      `config: ${config.rootsFrom} ${bad} does not exist or is not a directory (the file system root is refused too)`,
    );
  }
  const [
    { startHttp },
    { createMetricsRegistry, instrumentServedTools, servedToolMetrics, startTracing, tracingConfigFromEnv },
    { UserError },
    { buildServer },
  ] = await Promise.all([import("./http.js"), import("@acb/telemetry"), import("fastmcp"), import("./server.js")]);
  const tracingConfig = tracingConfigFromEnv(process.env, "mcp-fileserver");
  if (!tracingConfig.ok) fail(tracingConfig.message);
  const tracing = startTracing(tracingConfig.value);
  // Metrics are served on the HTTP front (/metrics); over stdio there is nowhere to serve them.
  const registry = config.transport === "http" ? createMetricsRegistry({ service: "mcp-fileserver" }) : undefined;
  // A tool error the client sees is `error`; an unexpected failure (answered "INTERNAL: …") is `internal`.
  const instrument = instrumentServedTools(registry !== undefined ? servedToolMetrics(registry) : undefined, (err) =>
    err instanceof UserError && !err.message.startsWith("INTERNAL:") ? "error" : "internal",
  );
  if (!linearRegexAvailable())
    log.warn("linear-time regex engine unavailable: search_text accepts literal queries only");

  const server = buildServer(config, roots, log, instrument);
  const roster = roots.map((r) => `${r.name}=${r.real}`).join(", ");
  let close: () => Promise<void>;
  if (config.transport === "stdio") {
    await server.start({ transportType: "stdio" });
    process.stdin.once("end", () => process.exit(0));
    log.info("serving", { roots: roster, transport: "stdio" });
    close = () => server.stop();
  } else {
    const front = await startHttp(server, config.http, log, registry).catch((err: unknown) => {
      const { msg, fields } = listenFailure(err, config.http.host, config.http.port);
      return failStart(log, msg, fields);
    });
    log.info("serving", {
      roots: roster,
      url: front.url,
      auth: config.http.token === undefined ? "no token: loopback only" : "bearer token required",
    });
    close = () => front.close();
  }
  exitOnSignals(() => close().then(() => tracing.shutdown()));
}

async function firstBadRoot(paths: readonly string[]): Promise<string> {
  for (const p of paths) {
    try {
      await resolveRoots([p]);
    } catch {
      return p;
    }
  }
  return paths[0] ?? "";
}

/** The logger once the configuration is read: a later start failure is one JSON line through it. */
let started: Logger | undefined;

main().catch((err: unknown) => {
  if (started !== undefined) failStart(started, "failed to start", { ...errorFields(err) });
  process.stderr.write(`mcp-fileserver: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
