/**
 * Model calls as telemetry: a LangChain callback handler that opens a `chat {model}` span per model call
 * (OpenTelemetry GenAI conventions: gen_ai.* attributes, token usage, finish reasons; never message content)
 * and reports usage to a counter. Created per turn, inside the turn's span, which becomes the parent.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { LLMResult } from "@langchain/core/outputs";
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";

export interface ModelCallObserverOptions {
  /** Open spans (only when tracing is on). */
  readonly trace: boolean;
  /** Provider-reported token usage, when the provider sends it. */
  readonly onUsage?: (inputTokens: number, outputTokens: number) => void;
  /** ok or error, per model call. */
  readonly onCall?: (outcome: "ok" | "error") => void;
}

interface UsageLike {
  input_tokens?: unknown;
  output_tokens?: unknown;
  promptTokens?: unknown;
  completionTokens?: unknown;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);

function usageOf(output: LLMResult): { input?: number; output?: number; model?: string; finish?: string } {
  const gen = output.generations[0]?.[0] as
    | {
        message?: { usage_metadata?: UsageLike; response_metadata?: Record<string, unknown> };
        generationInfo?: Record<string, unknown>;
      }
    | undefined;
  const meta = gen?.message?.usage_metadata;
  const llm = (output.llmOutput as { tokenUsage?: UsageLike } | undefined)?.tokenUsage;
  const rm = gen?.message?.response_metadata ?? {};
  const finish = rm.finish_reason ?? gen?.generationInfo?.finish_reason;
  const model = rm.model_name ?? rm.model;
  const input = num(meta?.input_tokens) ?? num(llm?.promptTokens);
  const out = num(meta?.output_tokens) ?? num(llm?.completionTokens);
  return {
    ...(input !== undefined ? { input } : {}),
    ...(out !== undefined ? { output: out } : {}),
    ...(typeof model === "string" ? { model } : {}),
    ...(typeof finish === "string" ? { finish } : {}),
  };
}

export class ModelCallObserver extends BaseCallbackHandler {
  name = "acb_model_call_observer";
  private readonly spans = new Map<string, Span>();
  private readonly parent: Context;

  constructor(private readonly options: ModelCallObserverOptions) {
    super();
    // Inline, in the caller's async context: a queued handler would run wherever the queue happens to be.
    this.awaitHandlers = true;
    this.parent = context.active();
  }

  override handleChatModelStart(
    _llm: Serialized,
    _messages: unknown,
    runId: string,
    _parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    if (!this.options.trace) return;
    const params = (extraParams?.invocation_params ?? {}) as Record<string, unknown>;
    const model =
      typeof metadata?.ls_model_name === "string"
        ? metadata.ls_model_name
        : typeof params.model === "string"
          ? params.model
          : "unknown";
    const provider = typeof metadata?.ls_provider === "string" ? metadata.ls_provider : "unknown";
    const span = trace.getTracer("acb").startSpan(
      `chat ${model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": provider,
          "gen_ai.request.model": model,
          ...(typeof params.temperature === "number" ? { "gen_ai.request.temperature": params.temperature } : {}),
          ...(typeof params.max_tokens === "number" ? { "gen_ai.request.max_tokens": params.max_tokens } : {}),
        },
      },
      this.parent,
    );
    this.spans.set(runId, span);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const usage = usageOf(output);
    if (usage.input !== undefined || usage.output !== undefined)
      this.options.onUsage?.(usage.input ?? 0, usage.output ?? 0);
    this.options.onCall?.("ok");
    const span = this.spans.get(runId);
    if (span === undefined) return;
    this.spans.delete(runId);
    if (usage.input !== undefined) span.setAttribute("gen_ai.usage.input_tokens", usage.input);
    if (usage.output !== undefined) span.setAttribute("gen_ai.usage.output_tokens", usage.output);
    if (usage.model !== undefined) span.setAttribute("gen_ai.response.model", usage.model);
    if (usage.finish !== undefined) span.setAttribute("gen_ai.response.finish_reasons", [usage.finish]);
    span.end();
  }

  override handleLLMError(err: unknown, runId: string): void {
    this.options.onCall?.("error");
    const span = this.spans.get(runId);
    if (span === undefined) return;
    this.spans.delete(runId);
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute("error.type", err instanceof Error ? err.name : "error");
    span.end();
  }
}
