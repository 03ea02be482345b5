/**
 * OpenTelemetry tracing, off unless the standard variables ask for it. When off, nothing is registered: the
 * API's no-op tracer answers every call, and the hooks below check {@link tracingEnabled} first, so an
 * untraced process pays one boolean test per turn, tool call and request.
 *
 * Export is OTLP/HTTP with JSON bodies (every OTLP/HTTP receiver must accept JSON, collectors and Jaeger do).
 */
import { context, propagation, ROOT_CONTEXT, trace, type Context, type Tracer } from "@opentelemetry/api";
import type * as OtlpHttp from "@opentelemetry/exporter-trace-otlp-http";
import type * as Resources from "@opentelemetry/resources";
import type * as SdkTraceNode from "@opentelemetry/sdk-trace-node";
import type { SpanExporter } from "@opentelemetry/sdk-trace-node";
import { createRequire } from "node:module";

// The SDK and its exporter cost about 0.2 s of CPU to load, and most processes never trace: they are loaded by
// startTracing, when tracing is on, and only the API (cheap, a no-op until a provider is registered) at import.
// These packages are CommonJS for Node (no `exports` map: an `import` of them loads the very same files), so a
// require keeps startTracing synchronous for the apps' composition roots.
const loadSdk = createRequire(import.meta.url);

export interface TracingConfig {
  readonly enabled: boolean;
  readonly serviceName: string;
  readonly exporter: "otlp" | "console";
  /** The full traces URL (…/v1/traces). */
  readonly url: string;
  /** Extra export headers (OTEL_EXPORTER_OTLP_HEADERS / _TRACES_HEADERS), e.g. an API key of a tracing vendor. */
  readonly headers: Readonly<Record<string, string>>;
  /** How long spans are batched before export (OTEL_BSP_SCHEDULE_DELAY, ms). */
  readonly scheduleDelayMs: number;
}

export type TracingEnv = Readonly<Record<string, string | undefined>>;

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";

function parseHeaders(raw: string | undefined): Record<string, string> | string {
  const out: Record<string, string> = {};
  if (!set(raw)) return out;
  for (const pair of raw.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) return "OTEL_EXPORTER_OTLP_HEADERS must be a list of key=value pairs separated by commas";
    try {
      out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      return "OTEL_EXPORTER_OTLP_HEADERS holds an invalid percent-encoding";
    }
  }
  return out;
}

/**
 * Reads the standard OTEL_* variables (the app passes its environment; this package reads none itself).
 * Tracing is on when OTEL_TRACES_EXPORTER names an exporter (otlp, console) or an OTLP endpoint is set, and
 * OTEL_SDK_DISABLED is not true. Returns a message naming the variable when one is invalid.
 */
export function tracingConfigFromEnv(
  env: TracingEnv,
  defaultServiceName: string,
): { ok: true; value: TracingConfig } | { ok: false; message: string } {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  const unknown = exporters.find((e) => !["otlp", "console", "none"].includes(e));
  if (unknown !== undefined)
    return {
      ok: false,
      message: `invalid configuration: OTEL_TRACES_EXPORTER: "${unknown}" is not supported (otlp, console or none)`,
    };
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "").trim();
  if (protocol !== "" && protocol !== "http/json" && protocol !== "http/protobuf") {
    return {
      ok: false,
      message: `invalid configuration: OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported; use http/json (or http/protobuf: spans are then sent as OTLP/HTTP JSON, which every OTLP/HTTP receiver accepts) on the collector's HTTP port (4318)`,
    };
  }
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const explicit = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const url = set(explicit)
    ? explicit.trim()
    : set(base)
      ? `${base.trim().replace(/\/+$/, "")}/v1/traces`
      : "http://localhost:4318/v1/traces";
  if (URL.parse(url) === null || !/^https?:$/.test(URL.parse(url)?.protocol ?? "")) {
    return {
      ok: false,
      message: `invalid configuration: ${set(explicit) ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT"} must be an http(s) URL`,
    };
  }
  const headers = parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS);
  if (typeof headers === "string") return { ok: false, message: `invalid configuration: ${headers}` };
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY ?? "5000");
  if (!Number.isFinite(delay) || delay < 0)
    return { ok: false, message: "invalid configuration: OTEL_BSP_SCHEDULE_DELAY must be a number of milliseconds" };
  const wanted = exporters.find((e) => e !== "none") as "otlp" | "console" | undefined;
  const disabled =
    (env.OTEL_SDK_DISABLED ?? "").trim().toLowerCase() === "true" || (exporters.length > 0 && wanted === undefined);
  return {
    ok: true,
    value: {
      enabled: !disabled && (wanted !== undefined || set(base) || set(explicit)),
      serviceName: set(env.OTEL_SERVICE_NAME) ? env.OTEL_SERVICE_NAME.trim() : defaultServiceName,
      exporter: wanted ?? "otlp",
      url,
      headers,
      scheduleDelayMs: delay,
    },
  };
}

let enabled = false;

/** Whether this process registered a tracer provider (hooks skip all tracing work when not). */
export function tracingEnabled(): boolean {
  return enabled;
}

/** The tracer every hook uses (the API's no-op tracer until {@link startTracing} registers a provider). */
export function tracer(): Tracer {
  return trace.getTracer("acb");
}

export interface Tracing {
  readonly enabled: boolean;
  /** Flushes spans still batched and stops exporting (call on shutdown). */
  shutdown(): Promise<void>;
}

/** Registers the global tracer provider, W3C trace-context propagation and async context (when enabled). */
export function startTracing(config: TracingConfig, options: { exporter?: SpanExporter } = {}): Tracing {
  if (!config.enabled) return { enabled: false, shutdown: async () => undefined };
  const { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider } = loadSdk(
    "@opentelemetry/sdk-trace-node",
  ) as typeof SdkTraceNode;
  const { OTLPTraceExporter } = loadSdk("@opentelemetry/exporter-trace-otlp-http") as typeof OtlpHttp;
  const { resourceFromAttributes } = loadSdk("@opentelemetry/resources") as typeof Resources;
  const exporter =
    options.exporter ??
    (config.exporter === "console"
      ? new ConsoleSpanExporter()
      : new OTLPTraceExporter({ url: config.url, headers: { ...config.headers } }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.scheduleDelayMs })],
  });
  provider.register();
  enabled = true;
  return {
    enabled: true,
    shutdown: async () => {
      enabled = false;
      await provider.shutdown();
    },
  };
}

/** W3C trace context of the active span, to carry across a process boundary (a turn job, an MCP request). */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

/** The active span's context as a carrier; undefined when tracing is off or no span is active. */
export function currentTraceCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (carrier.traceparent === undefined) return undefined;
  return carrier.tracestate !== undefined
    ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate }
    : { traceparent: carrier.traceparent };
}

/** The remote parent a carrier names (the root context when it names none or tracing is off). */
export function contextFromCarrier(
  carrier: { traceparent?: string | undefined; tracestate?: string | undefined } | undefined,
): Context {
  if (!enabled || carrier?.traceparent === undefined) return ROOT_CONTEXT;
  const headers: Record<string, string> = { traceparent: carrier.traceparent };
  if (carrier.tracestate !== undefined) headers.tracestate = carrier.tracestate;
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** The trace id of the active span, for log lines (undefined when tracing is off). */
export function activeTraceId(): string | undefined {
  if (!enabled) return undefined;
  const sc = trace.getActiveSpan()?.spanContext();
  return sc !== undefined && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}

/** Runs `work` with the remote parent named by incoming headers (`traceparent`, `tracestate`) as the active context. */
export function withRemoteParent<T>(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  work: () => T,
): T {
  if (!enabled) return work();
  const traceparent = headers.traceparent;
  const tracestate = headers.tracestate;
  if (typeof traceparent !== "string") return work();
  return context.with(
    contextFromCarrier({ traceparent, tracestate: typeof tracestate === "string" ? tracestate : undefined }),
    work,
  );
}
