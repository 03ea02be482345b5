/** One agent turn: createAgent (from "langchain") with tools, streamed as token / tool_start / tool_end events. */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { createAgent, createMiddleware } from "langchain";
import { modelTimeoutMs, SYSTEM_PROMPT, type EmitTurnEvent } from "./chat.js";
import { ModelError, toModelError } from "./errors.js";
import { McpToolError } from "./mcp/errors.js";
import { continuationMessages, messageId, ownAiMessage, withId, type AgentJournal, type Delivered } from "./resume.js";
import { IdleTimeout, raceSignal } from "./timeouts.js";

export interface AgentTurnArgs {
  model: BaseChatModel;
  tools: StructuredToolInterface[];
  history: BaseMessage[];
  input: string;
  signal: AbortSignal;
  emit: EmitTurnEvent;
  /**
   * Bounds every tool call of the turn, local tools included (default 60 s); a call that takes longer is abandoned and
   * goes back to the model as an error. MCP tools from an McpToolbox are bounded by its own toolTimeoutMs as well.
   */
  toolTimeoutMs?: number;
  /** Most model↔tool rounds before the turn fails (default 8). */
  maxToolRounds?: number;
  /** Names the turn's messages (`<turnId>:m<step>`, …) instead of the provider's ids; default a random id. */
  turnId?: string;
  /** Records completed model steps and tool results, and replays them when the turn is taken over. */
  journal?: AgentJournal;
  /** Set when this run takes over a turn another runner started: what its clients already received. */
  delivered?: Delivered;
}

export const DEFAULT_AGENT_TOOL_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_TOOL_ROUNDS = 8;

/** Marks errors thrown by `emit`, so they are rethrown as they are instead of being mistaken for model failures. */
class EmitFailure extends Error {
  constructor(readonly error: unknown) {
    super("emit failed");
    this.name = "EmitFailure";
  }
}

class ToolTimeoutError extends Error {
  constructor(toolName: string, ms: number) {
    const s = ms / 1000;
    super(`the tool ${toolName} did not finish within ${Number.isInteger(s) ? s : s.toFixed(1)} s`);
    this.name = "ToolTimeoutError";
  }
}

/**
 * Relays model text chunks as they are generated. `awaitHandlers` makes the model wait for each `emit`, so tokens
 * and tool events are queued in the order they happened (the turn's writer then merges and appends them, in that
 * order); `lc_prefer_streaming` makes `invoke()` stream.
 */
class TokenRelay extends BaseCallbackHandler {
  name = "acb_token_relay";
  lc_prefer_streaming = true;
  constructor(
    private readonly onToken: (token: string) => Promise<void>,
    private readonly idle: IdleTimeout,
  ) {
    super({ raiseError: true });
    this.awaitHandlers = true;
  }
  override handleChatModelStart(): void {
    this.idle.touch();
  }
  override async handleLLMNewToken(token: string): Promise<void> {
    this.idle.touch();
    if (token !== "") await this.onToken(token);
  }
  override handleLLMEnd(): void {
    this.idle.pause();
  }
  override handleLLMError(): void {
    this.idle.pause();
  }
}

/** The text the model sees when a tool fails: short, no stack. */
function toolErrorText(err: unknown): string {
  if (err instanceof McpToolError || err instanceof ToolTimeoutError) return `Error: ${err.message}`;
  const message = err instanceof Error ? err.message : typeof err === "string" ? err : "the tool failed";
  const firstLines = message.split("\n").slice(0, 5).join("\n");
  return `Error: ${firstLines.length > 1000 ? `${firstLines.slice(0, 999)}…` : firstLines}`;
}

/** Tool results travel in the turn's events (for clients that show them), bounded to this many characters. */
export const MAX_TOOL_OUTPUT_CHARS = 16_000;

/** The result text of a tool call, as clients see it in `tool_end` (bounded; the model gets the whole result). */
function toolOutput(result: unknown): { output?: string; is_error?: boolean } {
  if (!ToolMessage.isInstance(result)) return {};
  const text = typeof result.content === "string" ? result.content : result.text;
  const output = text.length > MAX_TOOL_OUTPUT_CHARS ? `${text.slice(0, MAX_TOOL_OUTPUT_CHARS - 1)}…` : text;
  return result.status === "error" ? { output, is_error: true } : { output };
}

/**
 * Runs createAgent with the system prompt, the history and the input. Emits `{event:"token"}` for model text chunks
 * and `{event:"tool_start"|"tool_end", data: toolName}` around every tool call (in order, each `emit` awaited). A tool
 * that throws or times out goes back to the model as a ToolMessage with status "error" and the turn continues.
 *
 * Returns the messages to commit: the HumanMessage, every AI message (with its tool_calls) and ToolMessage produced,
 * then the final AIMessage. Throws ModelError (via toModelError) when the model fails or the turn is aborted; errors
 * thrown by `emit` are rethrown unchanged. Never emits done/error: the caller does.
 */
export async function runAgentTurn(args: AgentTurnArgs): Promise<{ text: string; messages: BaseMessage[] }> {
  const { model, tools, history, input, signal, emit } = args;
  const toolTimeoutMs = args.toolTimeoutMs ?? DEFAULT_AGENT_TOOL_TIMEOUT_MS;
  const maxRounds = args.maxToolRounds ?? DEFAULT_MAX_TOOL_ROUNDS;
  const timeoutMs = modelTimeoutMs(model);

  let emitFailure: EmitFailure | undefined;
  const send = async (event: Parameters<EmitTurnEvent>[0]): Promise<void> => {
    try {
      await emit(event);
    } catch (err) {
      emitFailure ??= new EmitFailure(err);
      throw emitFailure;
    }
  };

  const turnId = args.turnId ?? crypto.randomUUID();
  const { journal, delivered } = args;
  let step = 0;
  // Text of the journaled steps replayed so far: what follows it in `delivered.text` belongs to the interrupted call.
  let replayedChars = 0;
  let continued = false;

  const toolEvents = createMiddleware({
    name: "AcbToolEvents",
    wrapModelCall: async (request, handler) => {
      const k = step++;
      const journaled = journal?.steps.get(k);
      if (journaled !== undefined) {
        // A step the dead runner finished: not asked again. Its text may not all have reached the log before the
        // runner died (the writer batches tokens): send the part clients did not get.
        const text = journaled.text;
        const seen =
          delivered === undefined
            ? text.length
            : Math.min(text.length, Math.max(0, delivered.text.length - replayedChars));
        replayedChars += text.length;
        if (seen < text.length) await send({ event: "token", data: text.slice(seen) });
        return journaled;
      }
      // The first step nobody finished, on a takeover: the call that was cut off. Clients already have the start of its
      // answer, so the model continues that text instead of starting over, and only the new tokens are streamed.
      const prefix = delivered !== undefined && !continued ? delivered.text.slice(replayedChars) : "";
      continued = true;
      const response =
        prefix === ""
          ? await handler(request)
          : await handler({ ...request, messages: [...request.messages, ...continuationMessages(prefix)] });
      const own = ownAiMessage(response, messageId(turnId, `m${k}`), prefix);
      await journal?.recordStep(k, own);
      return own;
    },
    wrapToolCall: async (request, handler) => {
      const toolCall = request.toolCall;
      const name = toolCall.name;
      const callId = toolCall.id;
      const done = callId !== undefined ? journal?.toolResults.get(callId) : undefined;
      if (callId === undefined || delivered?.startedCalls.has(callId) !== true) {
        await send({
          event: "tool_start",
          data: name,
          ...(callId !== undefined ? { call_id: callId } : {}),
          input: toolCall.args,
        });
      }
      let result: Awaited<ReturnType<typeof handler>>;
      if (done !== undefined) {
        // Completed before the runner died: never run a tool twice.
        result = done;
      } else {
        try {
          const running = Promise.resolve().then(() => handler(request));
          const timeout = AbortSignal.timeout(toolTimeoutMs);
          // A tool abandoned after its timeout may still fail later: the race has handled that rejection already.
          try {
            result = await raceSignal(running, AbortSignal.any([signal, timeout]));
          } catch (err) {
            if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted");
            throw timeout.aborted ? new ToolTimeoutError(name, toolTimeoutMs) : err;
          }
        } catch (err) {
          if (signal.aborted || err instanceof EmitFailure) throw err;
          result = new ToolMessage({
            content: toolErrorText(err),
            tool_call_id: toolCall.id ?? "",
            name,
            status: "error",
          });
        }
      }
      if (done === undefined && ToolMessage.isInstance(result)) {
        withId(result, messageId(turnId, `t${callId ?? step}`));
        if (callId !== undefined) await journal?.recordTool(callId, result);
      }
      if (callId !== undefined && delivered?.endedCalls.has(callId) === true) return result;
      await send({
        event: "tool_end",
        data: name,
        ...(callId !== undefined ? { call_id: callId } : {}),
        ...toolOutput(result),
      });
      return result;
    },
  });

  // When the model has a timeout, it also bounds the silence while the model streams (the HTTP client's own timeout
  // only covers the wait for response headers). Tool calls are not model silence: the timer runs only during model calls.
  const idle = new IdleTimeout(timeoutMs);
  const combined = idle.bound(signal);

  const agent = createAgent({ model, tools, systemPrompt: SYSTEM_PROMPT, middleware: [toolEvents] });
  const relay = new TokenRelay((token) => send({ event: "token", data: token }), idle);
  const recursionLimit = 2 * maxRounds + 1;

  let messages: BaseMessage[];
  try {
    if (signal.aborted) throw signal.reason;
    // Ids of our own: a history message may carry a provider's id that repeats (the reducer would merge them).
    const own = history.map((m, i) => withId(m, messageId(turnId, `h${i}`)));
    const state = await agent.invoke(
      { messages: [...own, new HumanMessage({ content: input, id: messageId(turnId, "input") })] },
      { signal: combined, callbacks: [relay], recursionLimit },
    );
    messages = state.messages;
  } catch (err) {
    if (emitFailure !== undefined) throw emitFailure.error;
    if (idle.expired && !signal.aborted) {
      throw toModelError(
        Object.assign(new Error("model stream idle"), { name: "TimeoutError", cause: err }),
        undefined,
        { timeoutMs },
      );
    }
    if (!signal.aborted && err instanceof Error && err.name === "GraphRecursionError") {
      throw new ModelError({
        kind: "upstream",
        publicMessage: `the agent did not answer within ${maxRounds} tool rounds`,
        cause: err,
      });
    }
    throw toModelError(err, signal, { timeoutMs });
  } finally {
    idle.pause();
  }
  if (emitFailure !== undefined) throw emitFailure.error;
  if (signal.aborted) throw toModelError(signal.reason, signal, { timeoutMs });

  const produced = messages.slice(history.length);
  const last = produced.at(-1);
  if (produced[0]?.type !== "human" || last === undefined || !AIMessage.isInstance(last)) {
    throw toModelError(new Error("the agent ended without an answer"), signal, { timeoutMs });
  }
  return { text: last.text, messages: produced };
}
