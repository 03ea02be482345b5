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

// One registry per process: every metric below is registered in it (and only in it).
function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
  buckets: number[] = LATENCY_BUCKETS,
): Histogram<L> {
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string): Gauge {
  return new Gauge({ name, help, registers: [registry] });
}

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
  return {
    started: counter(registry, "acb_turns_started_total", "Turns whose execution started", ["mode"]),
    finished: counter(
      registry,
      "acb_turns_finished_total",
      "Turns that ended, by outcome (completed, already_finished, or the error code)",
      ["mode", "outcome"],
    ),
    queueWait: histogram(
      registry,
      "acb_turn_queue_wait_seconds",
      "From enqueue (enqueued_at) to the start of execution",
      ["mode"],
    ),
    firstToken: histogram(
      registry,
      "acb_turn_first_token_seconds",
      "From the start of execution to the first token event",
      ["mode"],
    ),
    duration: histogram(registry, "acb_turn_duration_seconds", "From the start of execution to the end of the turn", [
      "mode",
      "outcome",
    ]),
    streamedTokens: counter(registry, "acb_turn_token_events_total", "Token events emitted by turns", ["mode"]),
    streamedChars: counter(registry, "acb_turn_token_chars_total", "Characters of answer text emitted by turns", [
      "mode",
    ]),
    modelTokens: counter(
      registry,
      "acb_model_tokens_total",
      "Tokens the model provider reported using (usage), by type",
      ["type"],
    ),
    modelCalls: counter(registry, "acb_model_calls_total", "Model calls, by outcome (ok, error)", ["outcome"]),
    inFlight: gauge(registry, "acb_turns_in_flight", "Turns executing in this process now"),
  };
}

/** MCP tool calls as the client side (runner, embedded gateway) sees them. */
export interface ToolMetrics {
  /** outcome: ok, tool (the tool reported an error), timeout, unavailable, aborted, error. */
  readonly calls: Counter<"server" | "tool" | "outcome">;
  readonly duration: Histogram<"server" | "tool">;
}

export function toolMetrics(registry: Registry): ToolMetrics {
  return callMetrics(
    registry,
    ["server", "tool"],
    ["acb_mcp_tool_calls_total", "MCP tool calls, by server, tool and outcome"],
    ["acb_mcp_tool_duration_seconds", "MCP tool call latency"],
  );
}

/** Tool calls as an MCP server (the file server) answers them. */
export interface ServedToolMetrics {
  /** outcome: ok, error (a tool error the client sees), internal. */
  readonly calls: Counter<"tool" | "outcome">;
  readonly duration: Histogram<"tool">;
}

export function servedToolMetrics(registry: Registry): ServedToolMetrics {
  return callMetrics(
    registry,
    ["tool"],
    ["acb_mcp_server_tool_calls_total", "Tool calls served, by tool and outcome"],
    ["acb_mcp_server_tool_duration_seconds", "Tool call latency on the server"],
  );
}

/** Calls of something, counted by `labels` and outcome, and their latency by `labels`: [name, help] of each. */
function callMetrics<L extends string>(
  registry: Registry,
  labels: L[],
  calls: [name: string, help: string],
  duration: [name: string, help: string],
): { calls: Counter<L | "outcome">; duration: Histogram<L> } {
  return {
    calls: counter<L | "outcome">(registry, ...calls, [...labels, "outcome"]),
    duration: histogram(registry, ...duration, labels),
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
  return {
    requests: counter(registry, "acb_http_requests_total", "HTTP requests, by method, route pattern and status", [
      "method",
      "route",
      "status",
    ]),
    requestDuration: histogram(
      registry,
      "acb_http_request_duration_seconds",
      "HTTP request latency until the response head",
      ["method", "route"],
    ),
    turnsEnqueued: counter(registry, "acb_turns_enqueued_total", "Turns accepted and enqueued by this gateway", [
      "mode",
    ]),
    rejections: counter(
      registry,
      "acb_rejections_total",
      "Requests refused by rate limits or admission control, by reason",
      ["reason"],
    ),
    followers: gauge(registry, "acb_stream_followers", "Open readers of turn event streams (SSE, WebSocket, waits)"),
    followedTurns: gauge(registry, "acb_streams_open", "Turns with at least one open reader"),
    fanoutLag: histogram(
      registry,
      "acb_fanout_lag_seconds",
      "Event append to delivery to a live reader",
      [],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ),
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
