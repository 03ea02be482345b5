import { OFFLINE_MODEL_NAME } from "@acb/chains/config";
import type { Logger } from "@acb/logger";
import { Authenticator } from "./auth/authenticator.js";
import type { GatewayDeps } from "./app.js";
import type { GatewayConfig } from "./config.js";
import type { Pipeline } from "./pipelines.js";
import type { GatewayTelemetry } from "./telemetry.js";

/** The app's dependencies from the config and the pipeline: one place, for main.ts and in-process tests. */
export function gatewayDeps(
  config: GatewayConfig,
  pipeline: Pipeline,
  log: Logger,
  telemetry?: GatewayTelemetry,
): GatewayDeps {
  return {
    turns: pipeline.turns,
    mode: pipeline.mode,
    readiness: pipeline.readiness,
    log,
    maxBodyBytes: config.maxBodyBytes,
    heartbeatMs: config.heartbeatMs,
    turnTimeoutMs: config.turnTimeoutMs,
    eventRetentionMs: config.eventRetentionMs,
    modelId: config.model.provider === "offline" ? OFFLINE_MODEL_NAME : config.model.model,
    playground: config.playground,
    activeChats: pipeline.activeChats,
    usage: pipeline.usage,
    wsMaxBacklog: config.limits.wsMaxBacklog,
    ...(pipeline.availability !== undefined ? { availability: pipeline.availability } : {}),
    security: { ...config.security, authenticator: new Authenticator(config.security) },
    ...(telemetry !== undefined ? { telemetry } : {}),
  };
}
