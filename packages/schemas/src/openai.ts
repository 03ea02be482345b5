import { z } from "zod";
import { ModelName, SessionId, Temperature } from "./chat.js";

/**
 * The OpenAI-compatible door (`GET /v1/models`, `POST /v1/chat/completions`): the subset of OpenAI's Chat
 * Completions wire this gateway speaks. Fields a client may send that change nothing a user would notice
 * (`top_p`, `seed`, `user`, penalties, `metadata`…) are accepted and ignored; the ones whose silent loss would
 * surprise (`n > 1`, client `tools`, `response_format` json) are refused with a 400 naming them, by the route.
 */

/** Model id suffixes: `<model>+tools` runs the agent with MCP tools; `+details` also shows its tool calls. */
export const TOOLS_SUFFIX = "+tools";
export const DETAILS_SUFFIX = "+details";

/** The header that opts a conversation into server memory (stateless without it). */
export const SESSION_HEADER = "x-session-id";

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
/** Any other part (image_url, input_audio, file…): recognised so it can be refused by name. */
const OtherPart = z.looseObject({ type: z.string() });
export const OpenAIContent = z.union([z.string(), z.array(z.union([TextPart, OtherPart])).max(1_000), z.null()]);

export const OpenAIToolCall = z.object({
  id: z.string().max(256),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().min(1).max(256), arguments: z.string() }),
});

export const OpenAIMessage = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content: OpenAIContent, name: z.string().optional() }),
  z.looseObject({ role: z.literal("developer"), content: OpenAIContent, name: z.string().optional() }),
  z.looseObject({ role: z.literal("user"), content: OpenAIContent, name: z.string().optional() }),
  z.looseObject({
    role: z.literal("assistant"),
    content: OpenAIContent.optional(),
    tool_calls: z.array(OpenAIToolCall).max(128).nullish(),
    name: z.string().optional(),
  }),
  z.looseObject({ role: z.literal("tool"), content: OpenAIContent, tool_call_id: z.string().min(1).max(256) }),
]);
export type OpenAIMessage = z.infer<typeof OpenAIMessage>;

export const ChatCompletionRequest = z
  .looseObject({
    model: ModelName,
    messages: z
      .array(OpenAIMessage)
      .min(1, { error: "must have at least one message" })
      .max(1_000, { error: "must have at most 1000 messages" }),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    temperature: Temperature.nullish(),
    max_tokens: z.number().int().positive().max(1_000_000).nullish(),
    max_completion_tokens: z.number().int().positive().max(1_000_000).nullish(),
    stop: z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).max(4)]).nullish(),
    n: z.number().int().positive().nullish(),
    tools: z.array(z.unknown()).nullish(),
    tool_choice: z.unknown().optional(),
    response_format: z.looseObject({ type: z.string() }).nullish(),
    /** Accepted and ignored (OpenAI's end-user id); it never selects a session: `X-Session-Id` does. */
    user: z.string().max(256).optional(),
  })
  .meta({
    description:
      "OpenAI Chat Completions request. Unknown fields are ignored; `n > 1`, client `tools` and `response_format` json are refused.",
  });
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const OpenAIUsage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});
export type OpenAIUsage = z.infer<typeof OpenAIUsage>;

const FinishReason = z.enum(["stop", "length", "tool_calls", "content_filter"]);

/** What a completion and each of its chunks carry around their choices: `{id, object, created, model, choices}`. */
function completionOf<O extends string, C extends z.ZodRawShape>(object: O, choice: C) {
  return {
    id: z.string(),
    object: z.literal(object),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(z.object({ index: z.number().int(), ...choice, logprobs: z.null() })),
  };
}

export const ChatCompletion = z.object({
  ...completionOf("chat.completion", {
    message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
    finish_reason: FinishReason,
  }),
  usage: OpenAIUsage,
});
export type ChatCompletion = z.infer<typeof ChatCompletion>;

export const ChatCompletionChunk = z
  .object({
    ...completionOf("chat.completion.chunk", {
      delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
      finish_reason: FinishReason.nullable(),
    }),
    usage: OpenAIUsage.nullish(),
  })
  .meta({ description: "One `data:` frame of a streamed completion; the stream ends with `data: [DONE]`." });
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

export const OpenAIModel = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string(),
});
export const OpenAIModelList = z.object({ object: z.literal("list"), data: z.array(OpenAIModel) });
export type OpenAIModelList = z.infer<typeof OpenAIModelList>;

export const OpenAIErrorType = z.enum([
  "invalid_request_error",
  "authentication_error",
  "not_found_error",
  "rate_limit_error",
  "api_error",
  "server_error",
  "timeout_error",
]);
export const OpenAIErrorBody = z
  .object({
    error: z.object({
      message: z.string(),
      type: OpenAIErrorType,
      code: z.string().nullable(),
      param: z.string().nullable(),
    }),
  })
  .meta({ description: "Errors of the OpenAI-compatible routes, in OpenAI's shape." });
export type OpenAIErrorBody = z.infer<typeof OpenAIErrorBody>;

export const SessionHeader = SessionId;
