/**
 * The spans of one turn, named after the OpenTelemetry GenAI semantic conventions: `invoke_agent` around a
 * turn's execution, `chat {model}` per model call (see @acb/chains' ModelCallObserver), `execute_tool {name}`
 * per tool call. Attributes never carry message content, prompts, tool arguments or results.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import type { ServedToolMetrics, ToolMetrics } from "./metrics.js";
import { contextFromCarrier, tracer, tracingEnabled, type TraceCarrier } from "./tracing.js";

/** The class of an error for a span's `error.type` and a log line: its name, never its message. */
export function errorType(err: unknown): string {
  if (err instanceof Error) return err.name || "Error";
  return typeof err;
}

/** Runs `work` inside a new active span; the span ends with the work and records a failure as `error.type`. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes !== undefined ? { attributes: options.attributes } : {}),
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute("error.type", errorType(err));
    throw err;
  } finally {
    span.end();
  }
}

/** What the turn span needs of a job (structural: the TurnJob of @acb/schemas fits). */
export interface TraceableTurn {
  readonly turn_id: string;
  readonly session_id: string;
  readonly mode: string;
  readonly trace?: TraceCarrier | undefined;
}

/**
 * Wraps a turn executor so each turn runs inside an `invoke_agent` span whose parent is the gateway's span
 * carried in the job (`job.trace`): one trace from the HTTP request to the MCP server. Identity when tracing is off.
 */
export function tracedTurnExecutor<J extends TraceableTurn, C>(
  execute: (job: J, ctx: C) => Promise<void>,
  agentName = "acb",
): (job: J, ctx: C) => Promise<void> {
  return (job, ctx) => {
    if (!tracingEnabled()) return execute(job, ctx);
    return inSpan(
      `invoke_agent ${agentName}`,
      {
        kind: SpanKind.INTERNAL,
        parent: contextFromCarrier(job.trace),
        attributes: {
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.agent.name": agentName,
          "gen_ai.conversation.id": job.session_id,
          "acb.turn.id": job.turn_id,
          "acb.turn.mode": job.mode,
        },
      },
      () => execute(job, ctx),
    );
  };
}

/** Runs one tool call: `call` does the work (it runs inside the span, so the MCP request carries its context). */
export type ToolCallInstrument = <T>(
  server: string,
  tool: string,
  call: () => Promise<T>,
  callId?: string,
) => Promise<T>;

/** The outcome label of a failed tool call: the error's `kind` (McpToolError: tool, timeout, unavailable) or its class. */
function toolOutcome(err: unknown): string {
  const kind = err !== null && typeof err === "object" ? (err as { kind?: unknown }).kind : undefined;
  if (kind === "tool" || kind === "timeout" || kind === "unavailable") return kind;
  return err instanceof Error && /Abort/.test(err.name) ? "aborted" : "error";
}

/**
 * One tool call, measured: with tracing on it runs in an `execute_tool {name}` span of `kind`; `record` gets
 * its outcome (`ok`, or `classify`'s name for the failure) and its seconds.
 */
async function measuredToolCall<T>(
  tool: string,
  span: { kind: SpanKind; attributes: Attributes },
  work: () => Promise<T>,
  classify: (err: unknown) => string,
  record: (outcome: string, seconds: number) => void,
): Promise<T> {
  const started = performance.now();
  const run = tracingEnabled()
    ? () =>
        inSpan(
          `execute_tool ${tool}`,
          {
            kind: span.kind,
            attributes: {
              "gen_ai.operation.name": "execute_tool",
              "gen_ai.tool.name": tool,
              "gen_ai.tool.type": "extension",
              ...span.attributes,
            },
          },
          work,
        )
    : work;
  try {
    const result = await run();
    record("ok", (performance.now() - started) / 1000);
    return result;
  } catch (err) {
    record(classify(err), (performance.now() - started) / 1000);
    throw err;
  }
}

/** Counts and times every tool call (when `metrics` is given) and traces it as `execute_tool {name}` (when tracing is on). */
export function instrumentToolCalls(metrics: ToolMetrics | undefined): ToolCallInstrument {
  return (server, tool, call, callId) =>
    measuredToolCall(
      tool,
      {
        kind: SpanKind.INTERNAL,
        attributes: { "mcp.server.name": server, ...(callId !== undefined ? { "gen_ai.tool.call.id": callId } : {}) },
      },
      call,
      toolOutcome,
      (outcome, seconds) => {
        metrics?.calls.inc({ server, tool, outcome });
        metrics?.duration.observe({ server, tool }, seconds);
      },
    );
}

export { SpanKind, SpanStatusCode };
export type { Span };

/** Runs one tool call on an MCP server: `run` answers it. */
export type ServedToolInstrument = <T>(tool: string, run: () => Promise<T>) => Promise<T>;

/**
 * The server side of a tool call: counts and times it (`acb_mcp_server_tool_*`) and, with tracing on, spans
 * it as `execute_tool {name}` under the caller's context (the HTTP front makes the request's `traceparent`
 * active). `classify` names a failure's outcome (error, internal…).
 */
export function instrumentServedTools(
  metrics: ServedToolMetrics | undefined,
  classify: (err: unknown) => string,
): ServedToolInstrument {
  return (tool, run) =>
    measuredToolCall(tool, { kind: SpanKind.SERVER, attributes: {} }, run, classify, (outcome, seconds) => {
      metrics?.calls.inc({ tool, outcome });
      metrics?.duration.observe({ tool }, seconds);
    });
}
