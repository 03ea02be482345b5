/**
 * Prometheus metrics of every app: one registry per process (never prom-client's global one, so in-process
 * tests and embedded mode never see each other's counts), and the metric definitions, grouped by who records
 * them. Names and labels are the documented contract (the README, Operate); every label takes a bounded set of
 * values: no session, turn or tenant ids, tool names only from the configured MCP servers.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export { Registry };

export interface MetricsRegistryOptions {
  /** Added to every series as `service` (chat-gateway, agent-runner, mcp-fileserver). */
  readonly service: string;
  /** Node process metrics (CPU, memory, event-loop lag, GC, handles); default on. */
  readonly processMetrics?: boolean;
}

export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

/** The Prometheus text exposition of a registry, with its content type (for any HTTP framework). */
export async function exposition(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** Seconds buckets from 5 ms to 5 min: first tokens, tool calls and whole turns all fit. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Recorded where turns execute: the runner, and the gateway in embedded mode. */
export interface TurnMetrics {
  readonly started: Counter<"mode">;
  /** outcome: completed, already_finished, or the failure's code (timeout, aborted, upstream, rate_limited, internal, runner_lost, …). */
  readonly finished: Counter<"mode" | "outcome">;
  readonly queueWait: Histogram<"mode">;
  readonly firstToken: Histogram<"mode">;
  readonly duration: Histogram<"mode" | "outcome">;
  /** Token events streamed to clients (one event may carry several model tokens once coalesced). */
  readonly streamedTokens: Counter<"mode">;
  readonly streamedChars: Counter<"mode">;
  /** Model-reported usage (OpenAI `usage`), when the provider sends it. type: input | output. */
  readonly modelTokens: Counter<"type">;
  readonly modelCalls: Counter<"outcome">;
  readonly inFlight: Gauge;
}

export function turnMetrics(registry: Registry): TurnMetrics {
  const r = [registry];
  return {
    started: new Counter({
      name: "acb_turns_started_total",
      help: "Turns whose execution started",
      labelNames: ["mode"],
      registers: r,
    }),
    finished: new Counter({
      name: "acb_turns_finished_total",
      help: "Turns that ended, by outcome (completed, already_finished, or the error code)",
      labelNames: ["mode", "outcome"],
      registers: r,
    }),
    queueWait: new Histogram({
      name: "acb_turn_queue_wait_seconds",
      help: "From enqueue (enqueued_at) to the start of execution",
      labelNames: ["mode"],
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    firstToken: new Histogram({
      name: "acb_turn_first_token_seconds",
      help: "From the start of execution to the first token event",
      labelNames: ["mode"],
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    duration: new Histogram({
      name: "acb_turn_duration_seconds",
      help: "From the start of execution to the end of the turn",
      labelNames: ["mode", "outcome"],
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    streamedTokens: new Counter({
      name: "acb_turn_token_events_total",
      help: "Token events emitted by turns",
      labelNames: ["mode"],
      registers: r,
    }),
    streamedChars: new Counter({
      name: "acb_turn_token_chars_total",
      help: "Characters of answer text emitted by turns",
      labelNames: ["mode"],
      registers: r,
    }),
    modelTokens: new Counter({
      name: "acb_model_tokens_total",
      help: "Tokens the model provider reported using (usage), by type",
      labelNames: ["type"],
      registers: r,
    }),
    modelCalls: new Counter({
      name: "acb_model_calls_total",
      help: "Model calls, by outcome (ok, error)",
      labelNames: ["outcome"],
      registers: r,
    }),
    inFlight: new Gauge({ name: "acb_turns_in_flight", help: "Turns executing in this process now", registers: r }),
  };
}

/** MCP tool calls as the client side (runner, embedded gateway) sees them. */
export interface ToolMetrics {
  /** outcome: ok, tool (the tool reported an error), timeout, unavailable, aborted, error. */
  readonly calls: Counter<"server" | "tool" | "outcome">;
  readonly duration: Histogram<"server" | "tool">;
}

export function toolMetrics(registry: Registry): ToolMetrics {
  const r = [registry];
  return {
    calls: new Counter({
      name: "acb_mcp_tool_calls_total",
      help: "MCP tool calls, by server, tool and outcome",
      labelNames: ["server", "tool", "outcome"],
      registers: r,
    }),
    duration: new Histogram({
      name: "acb_mcp_tool_duration_seconds",
      help: "MCP tool call latency",
      labelNames: ["server", "tool"],
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
  };
}

/** Tool calls as an MCP server (the file server) answers them. */
export interface ServedToolMetrics {
  /** outcome: ok, error (a tool error the client sees), internal. */
  readonly calls: Counter<"tool" | "outcome">;
  readonly duration: Histogram<"tool">;
}

export function servedToolMetrics(registry: Registry): ServedToolMetrics {
  const r = [registry];
  return {
    calls: new Counter({
      name: "acb_mcp_server_tool_calls_total",
      help: "Tool calls served, by tool and outcome",
      labelNames: ["tool", "outcome"],
      registers: r,
    }),
    duration: new Histogram({
      name: "acb_mcp_server_tool_duration_seconds",
      help: "Tool call latency on the server",
      labelNames: ["tool"],
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
  };
}

/** The gateway's HTTP surface and fan-out. */
export interface GatewayMetrics {
  /** route is the route pattern (`/v1/turns/:turn_id/stream`), never the raw path; unmatched paths are `unmatched`. */
  readonly requests: Counter<"method" | "route" | "status">;
  /** Until the response head: a stream's own length is in the turn metrics. */
  readonly requestDuration: Histogram<"method" | "route">;
  readonly turnsEnqueued: Counter<"mode">;
  /**
   * Requests refused before a turn runs, by reason: model_not_allowed, input_chars, queue_full, rate_limited,
   * concurrency (the gateway's TurnAdmission) and backlog_full (a WebSocket's own backlog). Failed authentication
   * is not counted here: it is in acb_http_requests_total{status="401"}.
   */
  readonly rejections: Counter<"reason">;
  /** Open readers of turn event logs: SSE, WebSocket and non-streaming waits. */
  readonly followers: Gauge;
  /** Distinct turns with at least one reader. */
  readonly followedTurns: Gauge;
  /** Event append (its entry id's ms timestamp) → handed to a live reader. Catch-up reads are not counted. */
  readonly fanoutLag: Histogram;
}

export function gatewayMetrics(registry: Registry): GatewayMetrics {
  const r = [registry];
  return {
    requests: new Counter({
      name: "acb_http_requests_total",
      help: "HTTP requests, by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      registers: r,
    }),
    requestDuration: new Histogram({
      name: "acb_http_request_duration_seconds",
      help: "HTTP request latency until the response head",
      labelNames: ["method", "route"],
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    turnsEnqueued: new Counter({
      name: "acb_turns_enqueued_total",
      help: "Turns accepted and enqueued by this gateway",
      labelNames: ["mode"],
      registers: r,
    }),
    rejections: new Counter({
      name: "acb_rejections_total",
      help: "Requests refused by rate limits or admission control, by reason",
      labelNames: ["reason"],
      registers: r,
    }),
    followers: new Gauge({
      name: "acb_stream_followers",
      help: "Open readers of turn event streams (SSE, WebSocket, waits)",
      registers: r,
    }),
    followedTurns: new Gauge({ name: "acb_streams_open", help: "Turns with at least one open reader", registers: r }),
    fanoutLag: new Histogram({
      name: "acb_fanout_lag_seconds",
      help: "Event append to delivery to a live reader",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
  };
}

/**
 * Gauges read from elsewhere when scraped (the queue's job counts, the runner registry): each source is
 * called at most once per `cacheMs`, so a scrape storm does not become a Redis storm.
 */
export function sampledGauge(
  registry: Registry,
  options: {
    name: string;
    help: string;
    labelNames?: readonly string[];
    cacheMs?: number;
    sample: () => Promise<Array<{ labels?: Record<string, string>; value: number }>>;
  },
): Gauge {
  const cacheMs = options.cacheMs ?? 2_000;
  let cached: { at: number; values: Array<{ labels?: Record<string, string>; value: number }> } | undefined;
  return new Gauge({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    registers: [registry],
    async collect() {
      if (cached === undefined || Date.now() - cached.at >= cacheMs) {
        try {
          cached = { at: Date.now(), values: await options.sample() };
        } catch {
          // Redis down: the gauge is left out of this scrape (absent, not a false 0); the Redis state logs say why.
          this.reset();
          return;
        }
      }
      this.reset();
      for (const v of cached.values) {
        if (v.labels !== undefined) this.set(v.labels, v.value);
        else this.set(v.value);
      }
    },
  });
}
