import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { TokenUsage } from "@acb/turns";

const CHARS_PER_TOKEN = 4;
const chars = (m: BaseMessage): number =>
  (typeof m.content === "string" ? m.content : JSON.stringify(m.content)).length;

/**
 * A turn's tokens: the provider's `usage_metadata` on the AI messages when every model call reported it (the
 * agent's calls do when the server sends usage), else an estimate of characters / 4 over what was sent
 * (history + the turn's messages before each answer) and what came back.
 */
export function turnUsage(history: readonly BaseMessage[], turn: readonly BaseMessage[]): TokenUsage {
  const answers = turn.filter((m): m is AIMessage => AIMessage.isInstance(m));
  if (answers.length > 0 && answers.every((m) => m.usage_metadata !== undefined)) {
    return {
      inputTokens: answers.reduce((n, m) => n + (m.usage_metadata?.input_tokens ?? 0), 0),
      outputTokens: answers.reduce((n, m) => n + (m.usage_metadata?.output_tokens ?? 0), 0),
      source: "provider",
    };
  }
  // Each model call saw the history plus the turn's messages before it.
  let input = 0;
  let output = 0;
  const seen = history.reduce((n, m) => n + chars(m), 0);
  let context = seen;
  for (const m of turn) {
    if (AIMessage.isInstance(m)) {
      input += context;
      output += chars(m) + (m.tool_calls?.length ? JSON.stringify(m.tool_calls).length : 0);
    }
    context += chars(m);
  }
  return {
    inputTokens: Math.ceil(input / CHARS_PER_TOKEN),
    outputTokens: Math.ceil(output / CHARS_PER_TOKEN),
    source: "counted",
  };
}
