import { z } from "zod";

/**
 * A conversation a client sends with its turn (the OpenAI-compatible and AI SDK doors are stateless by
 * default: the client's messages are the history). It travels in the turn job, so it is bounded: at most
 * MAX_CONVERSATION_MESSAGES messages and MAX_CONVERSATION_CHARS characters in all.
 */
export const MAX_CONVERSATION_MESSAGES = 1_000;
export const MAX_CONVERSATION_CHARS = 1_000_000;

export const ConversationToolCall = z.object({
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  /** JSON text, as the model produced it. */
  arguments: z.string().max(MAX_CONVERSATION_CHARS),
});
export type ConversationToolCall = z.infer<typeof ConversationToolCall>;

export const ConversationMessage = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: z.string() }),
  z.object({ role: z.literal("user"), content: z.string() }),
  z.object({
    role: z.literal("assistant"),
    content: z.string(),
    tool_calls: z.array(ConversationToolCall).max(128).optional(),
  }),
  z.object({ role: z.literal("tool"), content: z.string(), tool_call_id: z.string().min(1).max(256) }),
]);
export type ConversationMessage = z.infer<typeof ConversationMessage>;

export function conversationChars(messages: readonly ConversationMessage[]): number {
  let n = 0;
  for (const m of messages) {
    n += m.content.length;
    if (m.role === "assistant") for (const call of m.tool_calls ?? []) n += call.arguments.length + call.name.length;
  }
  return n;
}

export const Conversation = z
  .array(ConversationMessage)
  .max(MAX_CONVERSATION_MESSAGES, { error: `must have at most ${MAX_CONVERSATION_MESSAGES} messages` })
  .refine((messages) => conversationChars(messages) <= MAX_CONVERSATION_CHARS, {
    error: `must have at most ${MAX_CONVERSATION_CHARS} characters in all`,
  });
