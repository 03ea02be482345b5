import { z } from "zod";
import { ModelName, SessionId } from "./chat.js";

/**
 * The AI SDK (v5) chat door: `POST /v1/ui/chat` takes what `DefaultChatTransport` sends and answers the UI
 * message stream v1 (`x-vercel-ai-ui-message-stream: v1`). Text parts make the conversation; tool parts of
 * earlier answers are accepted and left out of it (the agent calls its own tools again if it needs them).
 */
export const UI_MESSAGE_STREAM_HEADER = "x-vercel-ai-ui-message-stream";

export const UIMessagePart = z.looseObject({ type: z.string().max(256), text: z.string().optional() });
export const UIMessage = z.looseObject({
  id: z.string().max(256),
  role: z.enum(["system", "user", "assistant"]),
  parts: z.array(UIMessagePart).max(1_000),
});
export type UIMessage = z.infer<typeof UIMessage>;

export const UIChatRequest = z
  .looseObject({
    /** The chat id: the key of `GET /v1/ui/chat/{id}/stream`. */
    id: SessionId,
    messages: z.array(UIMessage).min(1, { error: "must have at least one message" }).max(1_000),
    trigger: z.enum(["submit-message", "regenerate-message"]).optional(),
    messageId: z.string().max(256).nullish(),
    /** `agent` (default) runs the agent with MCP tools; `chat` the plain chain. */
    mode: z.enum(["chat", "agent"]).optional(),
    model: ModelName.optional(),
  })
  .meta({ description: "What the AI SDK's DefaultChatTransport sends; extra body fields are ignored." });
export type UIChatRequest = z.infer<typeof UIChatRequest>;

/** One chunk of the UI message stream v1 (the subset this gateway writes). */
export const UIMessageChunk = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("start"), messageId: z.string().optional() }),
    z.object({ type: z.literal("start-step") }),
    z.object({ type: z.literal("text-start"), id: z.string() }),
    z.object({ type: z.literal("text-delta"), id: z.string(), delta: z.string() }),
    z.object({ type: z.literal("text-end"), id: z.string() }),
    z.object({
      type: z.literal("tool-input-available"),
      toolCallId: z.string(),
      toolName: z.string(),
      input: z.unknown(),
      dynamic: z.boolean().optional(),
    }),
    z.object({
      type: z.literal("tool-output-available"),
      toolCallId: z.string(),
      output: z.unknown(),
      dynamic: z.boolean().optional(),
    }),
    z.object({
      type: z.literal("tool-output-error"),
      toolCallId: z.string(),
      errorText: z.string(),
      dynamic: z.boolean().optional(),
    }),
    z.object({ type: z.literal("finish-step") }),
    z.object({ type: z.literal("finish") }),
    z.object({ type: z.literal("error"), errorText: z.string() }),
  ])
  .meta({ description: "One `data:` frame of the AI SDK UI message stream v1; the stream ends with `data: [DONE]`." });
export type UIMessageChunk = z.infer<typeof UIMessageChunk>;
