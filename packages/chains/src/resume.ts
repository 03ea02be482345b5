/**
 * What a turn needs to survive the death of the runner executing it: a journal of the steps it completed (model
 * responses and tool results, so no tool runs twice) and, when another runner takes the turn over, what its clients
 * already received (so nothing is sent twice). Message identity is ours as well: derived from the turn id and the
 * step, never the provider's completion id (some OpenAI-compatible servers repeat or omit it, and LangGraph's
 * messages reducer replaces messages that share an id).
 */
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";

/** Completed steps of one turn, recorded as they finish and read back when another runner takes the turn over. */
export interface AgentJournal {
  /** Model responses already produced, by step (0 = the first model call of the turn). */
  readonly steps: ReadonlyMap<number, AIMessage>;
  /** Tool results already produced, by tool call id. */
  readonly toolResults: ReadonlyMap<string, ToolMessage>;
  recordStep(step: number, message: AIMessage): Promise<void>;
  recordTool(callId: string, message: ToolMessage): Promise<void>;
}

/** What the clients of a turn already received from a runner that died (rebuilt from the turn's event log). */
export interface Delivered {
  /** Every token's text, in order. */
  readonly text: string;
  /** Tool calls whose `tool_start` / `tool_end` were already sent. */
  readonly startedCalls: ReadonlySet<string>;
  readonly endedCalls: ReadonlySet<string>;
}

/**
 * Appended after the partial answer when an interrupted model call is run again: the model sees the text it had
 * already written as its own (an assistant message) and is asked to go on from there.
 */
export const CONTINUE_INSTRUCTION =
  "Your previous reply was cut off. Continue it exactly where it stops, without repeating any of it.";

/** The messages that ask the model to continue `prefix`, its own reply cut off mid-way. */
export function continuationMessages(prefix: string): BaseMessage[] {
  return [new AIMessage(prefix), new HumanMessage(CONTINUE_INSTRUCTION)];
}

/** Our identity for the messages of one turn: `<turn id>:<what>`. */
export function messageId(turnId: string, what: string): string {
  return `${turnId}:${what}`;
}

/** Gives `m` our id, in place (history messages may carry a provider's id, repeated across turns); returns it. */
export function withId<M extends BaseMessage>(m: M, id: string): M {
  m.id = id;
  (m.lc_kwargs as { id?: string }).id = id;
  return m;
}

/** A model response under our id, with `prefix` (the text already delivered before the call was cut off) in front. */
export function ownAiMessage(response: AIMessage, id: string, prefix = ""): AIMessage {
  const content =
    prefix === ""
      ? response.content
      : typeof response.content === "string"
        ? prefix + response.content
        : prefix + response.text;
  return new AIMessage({
    content,
    id,
    tool_calls: response.tool_calls ?? [],
    invalid_tool_calls: response.invalid_tool_calls ?? [],
    response_metadata: response.response_metadata,
    ...(response.usage_metadata !== undefined ? { usage_metadata: response.usage_metadata } : {}),
  });
}
