#!/usr/bin/env node
// Composition root: read config once, build the pipeline, wire the app, start.
import { createLogger } from "@acb/engine";
import { serve } from "@hono/node-server";
import type { createNodeWebSocket } from "@hono/node-ws";
import { Authenticator } from "./auth/authenticator.js";
import { createApp } from "./app.js";
import { loadGatewayConfig } from "./config.js";
import { nodeWebSocket } from "./http/websocket.js";
import { distributedPipeline, embeddedPipeline } from "./pipelines.js";

const loaded = loadGatewayConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(`chat-gateway: ${loaded.message}\n`);
  process.exit(1);
}
const config = loaded.value;
const log = createLogger("chat-gateway", config.logLevel);
const pipeline = config.redisUrl ? distributedPipeline(config, config.redisUrl, log) : embeddedPipeline(config, log);

let ws: ReturnType<typeof createNodeWebSocket> | undefined;
const app = createApp(
  {
    turns: pipeline.turns,
    mode: pipeline.mode,
    readiness: pipeline.readiness,
    log,
    maxBodyBytes: config.maxBodyBytes,
    heartbeatMs: config.heartbeatMs,
    turnTimeoutMs: config.turnTimeoutMs,
    security: { ...config.security, authenticator: new Authenticator(config.security) },
    usage: pipeline.usage,
    wsMaxBacklog: config.limits.wsMaxBacklog,
  },
  (root) => {
    ws = nodeWebSocket(root, config.maxBodyBytes);
    return ws.upgradeWebSocket;
  },
);

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  log.info("listening", { host: config.host, port: info.port, mode: pipeline.mode, auth: config.security.authModes.join(","), model: config.model.provider === "offline" ? "offline demo model" : config.model.model });
});
ws?.injectWebSocket(server);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("shutting down", { signal });
  server.close();
  // Embedded: turns in flight finish and are committed before the process exits.
  await pipeline.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
