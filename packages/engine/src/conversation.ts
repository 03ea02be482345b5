import type { ConversationMessage } from "@acb/schemas";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";

/** A client-sent conversation (stateless turns) as LangChain messages, in order. */
export function conversationToMessages(messages: readonly ConversationMessage[]): BaseMessage[] {
  return messages.map((m): BaseMessage => {
    switch (m.role) {
      case "system":
        return new SystemMessage(m.content);
      case "user":
        return new HumanMessage(m.content);
      case "assistant":
        return new AIMessage({
          content: m.content,
          ...(m.tool_calls && m.tool_calls.length > 0
            ? {
                tool_calls: m.tool_calls.map((c) => ({
                  id: c.id,
                  name: c.name,
                  args: parseArgs(c.arguments),
                  type: "tool_call" as const,
                })),
              }
            : {}),
        });
      case "tool":
        return new ToolMessage({ content: m.content, tool_call_id: m.tool_call_id });
    }
  });
}

function parseArgs(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
