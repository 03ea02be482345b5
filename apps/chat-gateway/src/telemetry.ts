import { createMetricsRegistry, gatewayMetrics, toolMetrics, turnMetrics, type GatewayMetrics, type Registry, type ToolMetrics, type TurnMetrics } from "@acb/telemetry";

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
