import type { Logger } from "@acb/logger";
import type { ServerType } from "@hono/node-server";
import type { createNodeWebSocket } from "@hono/node-ws";
import type { Hono } from "hono";
import { createApp } from "./app.js";
import type { GatewayConfig } from "./config.js";
import { gatewayDeps } from "./deps.js";
import { nodeWebSocket } from "./http/websocket.js";
import type { Pipeline } from "./pipelines.js";
import type { GatewayTelemetry } from "./telemetry.js";

export interface Gateway {
  readonly app: Hono;
  readonly pipeline: Pipeline;
  /** Adds the WebSocket upgrade to a listening Node server (after `serve`). */
  attach(server: ServerType): void;
}

/** The gateway around a pipeline: the app and its WebSocket upgrade; main.ts serves it, tests drive it in-process. */
export function gatewayOn(
  pipeline: Pipeline,
  config: GatewayConfig,
  log: Logger,
  telemetry: GatewayTelemetry,
): Gateway {
  let ws: ReturnType<typeof createNodeWebSocket> | undefined;
  const app = createApp(gatewayDeps(config, pipeline, log, telemetry), (root) => {
    ws = nodeWebSocket(root, config.maxBodyBytes);
    return ws.upgradeWebSocket;
  });
  return { app, pipeline, attach: (server) => ws?.injectWebSocket(server) };
}
