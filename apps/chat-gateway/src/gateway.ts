import type { Logger } from "@acb/logger";
import type { GatewayConfig } from "./config.js";
import { embeddedPipeline } from "./embedded-pipeline.js";
import { gatewayOn, type Gateway } from "./gateway-app.js";
import { distributedPipeline } from "./pipelines.js";
import { gatewayTelemetry, type GatewayTelemetry } from "./telemetry.js";

export type { Gateway } from "./gateway-app.js";

/**
 * The whole gateway for a config, built at once with both pipelines' modules loaded (in-process tests). main.ts builds
 * the same from the same pieces, but imports embedded mode's pipeline only in embedded mode: a gateway in distributed
 * mode never loads the engine.
 */
export function createGateway(
  config: GatewayConfig,
  log: Logger,
  telemetry: GatewayTelemetry = gatewayTelemetry(),
): Gateway {
  const pipeline = config.redis
    ? distributedPipeline(config, config.redis, log, telemetry)
    : embeddedPipeline(config, log, telemetry);
  return gatewayOn(pipeline, config, log, telemetry);
}
