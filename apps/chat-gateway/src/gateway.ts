import type { Logger } from "@acb/logger";
import type { ServerType } from "@hono/node-server";
import type { createNodeWebSocket } from "@hono/node-ws";
import { gatewayDeps } from "./deps.js";
import { nodeWebSocket } from "./http/websocket.js";
import type { Hono } from "hono";
import { createApp } from "./app.js";
import { gatewayTelemetry, type GatewayTelemetry } from "./telemetry.js";
import type { GatewayConfig } from "./config.js";
import { distributedPipeline, embeddedPipeline, type Pipeline } from "./pipelines.js";

export interface Gateway {
  readonly app: Hono;
  readonly pipeline: Pipeline;
  /** Adds the WebSocket upgrade to a listening Node server (after `serve`). */
  attach(server: ServerType): void;
}

/** The whole gateway for a config: pipeline, app and WebSocket upgrade; main.ts serves it, tests drive it in-process. */
export function createGateway(
  config: GatewayConfig,
  log: Logger,
  telemetry: GatewayTelemetry = gatewayTelemetry(),
): Gateway {
  const pipeline = config.redis
    ? distributedPipeline(config, config.redis, log, telemetry)
    : embeddedPipeline(config, log, telemetry);
  let ws: ReturnType<typeof createNodeWebSocket> | undefined;
  const app = createApp(gatewayDeps(config, pipeline, log, telemetry), (root) => {
    ws = nodeWebSocket(root, config.maxBodyBytes);
    return ws.upgradeWebSocket;
  });
  return { app, pipeline, attach: (server) => ws?.injectWebSocket(server) };
}
