import {
  createMetricsRegistry,
  gatewayMetrics,
  toolMetrics,
  turnMetrics,
  type GatewayMetrics,
  type Registry,
  type ToolMetrics,
  type TurnMetrics,
} from "@acb/telemetry";
import type { OnReject } from "./limits/admission.js";

/** The gateway's metrics: its HTTP surface and fan-out, and (embedded mode) the turns and tool calls it runs itself. */
export interface GatewayTelemetry {
  readonly registry: Registry;
  readonly http: GatewayMetrics;
  readonly turns: TurnMetrics;
  readonly tools: ToolMetrics;
}

/** A fresh registry per gateway (in-process tests build many). */
export function gatewayTelemetry(): GatewayTelemetry {
  const registry = createMetricsRegistry({ service: "chat-gateway" });
  return { registry, http: gatewayMetrics(registry), turns: turnMetrics(registry), tools: toolMetrics(registry) };
}

/** Counts a refusal (limits, admission, the WebSocket backlog) in `acb_rejections_total{reason}`; a no-op without metrics. */
export function rejectionCounter(telemetry: GatewayTelemetry | undefined): OnReject {
  return (reason) => telemetry?.http.rejections.inc({ reason });
}
