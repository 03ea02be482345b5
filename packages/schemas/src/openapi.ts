import { z } from "zod";
import { AgentChatRequest, ChatRequest } from "./chat.js";
import { ErrorBody } from "./errors.js";
import { TurnEvent } from "./events.js";
import {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  OpenAIErrorBody,
  OpenAIModelList,
} from "./openai.js";
import { UIChatRequest, UIMessageChunk } from "./ui-chat.js";

/**
 * The gateway's OpenAPI 3.1 document, generated from the zod schemas of this package (zod v4's own
 * `z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses). Every operation carries an example request,
 * which the gateway's tests send to check the answer against what is documented here.
 */

const ChatText = z.object({ text: z.string() });
const Health = z.object({ status: z.literal("ok") });
const Readiness = z.object({
  status: z.enum(["ready", "not_ready"]),
  mode: z.enum(["embedded", "distributed"]),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
});
const Cancelled = z.object({ turn_id: z.string(), status: z.literal("cancelling") });

type Json = Record<string, unknown>;

function schema(s: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(s, {
    io,
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as Json;
  return rest;
}

const components: Record<string, Json> = {
  ChatRequest: schema(ChatRequest, "input"),
  AgentChatRequest: schema(AgentChatRequest, "input"),
  ChatText: schema(ChatText, "output"),
  Error: schema(ErrorBody, "output"),
  TurnEvent: schema(TurnEvent, "output"),
  Health: schema(Health, "output"),
  Readiness: schema(Readiness, "output"),
  Cancelled: schema(Cancelled, "output"),
  ChatCompletionRequest: schema(ChatCompletionRequest, "input"),
  ChatCompletion: schema(ChatCompletion, "output"),
  ChatCompletionChunk: schema(ChatCompletionChunk, "output"),
  ModelList: schema(OpenAIModelList, "output"),
  OpenAIError: schema(OpenAIErrorBody, "output"),
  UIChatRequest: schema(UIChatRequest, "input"),
  UIMessageChunk: schema(UIMessageChunk, "output"),
};

const ref = (name: keyof typeof components): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (name: keyof typeof components, description: string): Json => ({
  description,
  content: { "application/json": { schema: ref(name) } },
});
const sse = (description: string, frames: keyof typeof components): Json => ({
  description,
  content: {
    "text/event-stream": {
      schema: {
        type: "string",
        description: `Server-Sent Events; each frame's payload is a ${frames} (components/schemas/${frames}).`,
      },
    },
  },
});
const body = (name: keyof typeof components, example: unknown): Json => ({
  required: true,
  content: { "application/json": { schema: ref(name), example } },
});
const seedErrors: Json = {
  "400": json("Error", "A field is invalid (details name it) or the body is not JSON"),
  "413": json("Error", "The body is larger than MAX_BODY_BYTES"),
  "415": json("Error", "The content type is not application/json"),
  "409": json("Error", "multitask_strategy is reject and the session is running a turn (details: running_turn_id)"),
};
const openaiErrors: Json = {
  "400": json("OpenAIError", "Invalid request; `param` names the field"),
  "413": json("OpenAIError", "The body is larger than MAX_BODY_BYTES"),
  "415": json("OpenAIError", "The content type is not application/json"),
  "502": json("OpenAIError", "The model provider failed"),
  "504": json("OpenAIError", "The turn did not finish in time"),
};
const turnIdParam: Json = {
  name: "turn_id",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]{8,64}$" },
  example: "unknownturn0000000000",
};

export interface OpenApiOptions {
  /** The configured chat model's id (examples use it). */
  readonly modelId: string;
  readonly version?: string;
}

export function openApiDocument(options: OpenApiOptions): Json {
  const m = options.modelId;
  return {
    openapi: "3.1.0",
    info: {
      title: "agent-chat-backend gateway",
      version: options.version ?? "0.1.0",
      description:
        "Chat backend for agents with MCP tools. The seed's JSON/SSE API, an OpenAI-compatible door and the AI SDK UI message stream, all on one turn pipeline. WebSocket `/ws/chat` is not described here (see the README).",
    },
    components: { schemas: components },
    paths: {
      "/healthz": {
        get: {
          operationId: "healthz",
          summary: "Liveness",
          responses: { "200": json("Health", "The process is alive") },
        },
      },
      "/readiness": {
        get: {
          operationId: "readiness",
          summary: "Readiness (also /readyz)",
          responses: { "200": json("Readiness", "Ready"), "503": json("Readiness", "Not ready") },
        },
      },
      "/v1/chat": {
        post: {
          operationId: "chat",
          summary: "One chat turn; JSON answer (or SSE with stream: true)",
          requestBody: body("ChatRequest", { session_id: "docs-example", input: "Hello" }),
          responses: {
            "200": {
              description: "The answer",
              content: {
                "application/json": { schema: ref("ChatText") },
                "text/event-stream": { schema: { type: "string" } },
              },
            },
            ...seedErrors,
            "502": json("Error", "The model provider failed"),
            "504": json("Error", "The turn did not finish in time"),
          },
        },
      },
      "/v1/chat/stream": {
        post: {
          operationId: "chatStream",
          summary: "One chat turn as SSE: `token`… then `done` (data: session id); on failure `error` then `done`",
          requestBody: body("ChatRequest", { session_id: "docs-example", input: "Hello" }),
          responses: {
            "200": sse(
              "`event:` is the TurnEvent's `event`, `data:` its `data`; every event has an `id:`",
              "TurnEvent",
            ),
            ...seedErrors,
          },
        },
      },
      "/v1/agent/chat/stream": {
        post: {
          operationId: "agentChatStream",
          summary:
            "One agent turn with MCP tools as SSE: `token`, `tool_start`/`tool_end` (data: tool name), `error`, `done`",
          requestBody: body("AgentChatRequest", { input: "Hello" }),
          responses: {
            "200": sse("As /v1/chat/stream, plus tool events; X-Session-Id names the session", "TurnEvent"),
            ...seedErrors,
          },
        },
      },
      "/v1/turns/{turn_id}/events": {
        get: {
          operationId: "turnEvents",
          summary:
            "Replay and follow one turn's events (a queued turn with no event yet waits); Last-Event-ID resumes after the last event seen; 204 once `done` was seen",
          parameters: [
            turnIdParam,
            { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } },
          ],
          responses: {
            "200": sse("The turn's events from the resume point", "TurnEvent"),
            "204": { description: "The follower already saw `done` (a standard EventSource stops)" },
            "400": json("Error", "Bad turn id or Last-Event-ID"),
            "404": json("Error", "No such turn (or it expired)"),
          },
        },
      },
      "/v1/turns/{turn_id}/cancel": {
        post: {
          operationId: "cancelTurn",
          summary:
            "Cancel a queued or running turn you own (idempotent); it ends with `error` (cancelled) then `done`; what was streamed stays in history as an interrupted answer",
          parameters: [turnIdParam],
          responses: {
            "202": json("Cancelled", "Cancellation requested"),
            "400": json("Error", "Bad turn id"),
            "404": json("Error", "No such turn"),
          },
        },
      },
      "/v1/models": {
        get: {
          operationId: "listModels",
          summary:
            "OpenAI-compatible model list: the chat model, `+tools` (agent), `+tools+details` (agent, tool calls shown)",
          responses: { "200": json("ModelList", "The models") },
        },
      },
      "/v1/chat/completions": {
        post: {
          operationId: "createChatCompletion",
          summary: "OpenAI-compatible chat completion; stateless unless the X-Session-Id header names a session",
          parameters: [
            {
              name: "X-Session-Id",
              in: "header",
              required: false,
              schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
              description: "Opt into server memory: the session's history is used and the turn is remembered",
            },
          ],
          requestBody: body("ChatCompletionRequest", { model: m, messages: [{ role: "user", content: "Hello" }] }),
          responses: {
            "200": {
              description:
                "A completion (or, with stream: true, data-only SSE frames of ChatCompletionChunk ending with `data: [DONE]`)",
              content: {
                "application/json": { schema: ref("ChatCompletion") },
                "text/event-stream": {
                  schema: { type: "string", description: "data: ChatCompletionChunk frames, then data: [DONE]" },
                },
              },
            },
            ...openaiErrors,
          },
        },
      },
      "/v1/ui/chat": {
        post: {
          operationId: "uiChat",
          summary: "AI SDK UI message stream v1 (what useChat's DefaultChatTransport sends)",
          requestBody: body("UIChatRequest", {
            id: "docs-example-chat",
            messages: [{ id: "m1", role: "user", parts: [{ type: "text", text: "Hello" }] }],
            trigger: "submit-message",
          }),
          responses: {
            "200": sse(
              "data-only frames of UIMessageChunk, then data: [DONE]; header x-vercel-ai-ui-message-stream: v1",
              "UIMessageChunk",
            ),
            ...seedErrors,
          },
        },
      },
      "/v1/ui/chat/{chatId}/stream": {
        get: {
          operationId: "uiChatResume",
          summary: "Resume a chat's running answer (from the start, or after Last-Event-ID)",
          parameters: [
            { name: "chatId", in: "path", required: true, schema: { type: "string" }, example: "docs-no-such-chat" },
            { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } },
          ],
          responses: {
            "200": sse("The running answer", "UIMessageChunk"),
            "204": { description: "No answer is running for this chat" },
            "400": json("Error", "Bad chat id or Last-Event-ID"),
          },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "openapi",
          summary: "This document",
          responses: {
            "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } },
          },
        },
      },
      "/": {
        get: {
          operationId: "playground",
          summary: "The browser playground (off with PLAYGROUND=false)",
          responses: { "200": { description: "HTML", content: { "text/html": { schema: { type: "string" } } } } },
        },
      },
      "/docs": {
        get: {
          operationId: "docs",
          summary: "API reference page",
          responses: { "200": { description: "HTML", content: { "text/html": { schema: { type: "string" } } } } },
        },
      },
    },
  };
}
