#!/usr/bin/env node
// Composition root: read config once, build the pipeline, wire the app, start.
import { createLogger, exitOnFatal, failStart, listenFailure } from "@acb/logger";
import { startTracing, tracingConfigFromEnv } from "@acb/telemetry";
import { serve } from "@hono/node-server";
import { loadGatewayConfig } from "./config.js";
import { drainStreams } from "./drain.js";
import { gatewayOn } from "./gateway-app.js";
import { distributedPipeline } from "./pipelines.js";
import { gatewayTelemetry } from "./telemetry.js";

const loaded = loadGatewayConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(`chat-gateway: ${loaded.message}\n`);
  process.exit(1);
}
const config = loaded.value;
const log = createLogger("chat-gateway", config.logLevel);
exitOnFatal(log);
const tracingConfig = tracingConfigFromEnv(process.env, "chat-gateway");
if (!tracingConfig.ok) failStart(log, tracingConfig.message);
const tracing = startTracing(tracingConfig.value);
const telemetry = gatewayTelemetry();
// As createGateway (gateway.ts), but embedded mode's pipeline, the one that brings the engine (LangChain, the model
// clients, the MCP SDK), is imported in embedded mode only: in distributed mode the runners run the turns.
const pipeline = config.redis
  ? distributedPipeline(config, config.redis, log, telemetry)
  : (await import("./embedded-pipeline.js")).embeddedPipeline(config, log, telemetry);
const { app, attach } = gatewayOn(pipeline, config, log, telemetry);

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  log.info("listening", {
    host: config.host,
    port: info.port,
    mode: pipeline.mode,
    auth: config.security.authModes.join(","),
    ...(pipeline.mode === "embedded"
      ? { model: config.model.provider === "offline" ? "offline demo model" : config.model.model }
      : {}),
    tracing: tracing.enabled,
  });
});
server.on("error", (err) => {
  const { msg, fields } = listenFailure(err, config.host, config.port);
  failStart(log, msg, fields);
});
attach(server);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("shutting down", { signal, drain_ms: pipeline.mode === "distributed" ? config.drainMs : 0 });
  server.close();
  if (pipeline.mode === "distributed") {
    // Drain: no new connections; streams still open after GATEWAY_DRAIN_MS are told to reconnect (`retry:`)
    // and closed, and their clients resume on another gateway with Last-Event-ID. Turns run on the runners
    // and are not affected.
    await drainStreams(pipeline.turns, config.drainMs);
    if ("closeAllConnections" in server) server.closeAllConnections();
  }
  // Embedded: turns in flight finish and are committed before the process exits.
  await pipeline.close();
  await tracing.shutdown();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
