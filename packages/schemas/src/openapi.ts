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
import { UsageReport } from "./usage.js";

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

/**
 * The component schemas, built on the first openApiDocument() call and kept: z.toJSONSchema over 16 schemas is
 * work that only the gateway's /openapi.json needs, not every process that imports this package.
 */
let components: Record<string, Json> | undefined;
const componentSchemas = (): Record<string, Json> =>
  (components ??= {
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
    UsageReport: schema(UsageReport, "output"),
  });

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string, description: string): Json => ({
  description,
  content: { "application/json": { schema: ref(name) } },
});
const sse = (description: string, frames: string): Json => ({
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
const body = (name: string, example: unknown): Json => ({
  required: true,
  content: { "application/json": { schema: ref(name), example } },
});
type ErrorShape = "Error" | "OpenAIError";
const header = (description: string, type: "string" | "integer" = "string"): Json => ({
  description,
  schema: { type },
});
const RETRY_AFTER = header("Seconds to wait before trying again", "integer");
/**
 * What the gateway's middleware may answer on any route that needs identity or Redis: no or bad credentials
 * (AUTH_MODE api_key or jwt), or a store / identity provider that cannot be reached right now.
 */
const guardErrors = (shape: ErrorShape): Json => ({
  "401": {
    ...json(shape, "No credentials, or invalid ones (AUTH_MODE api_key or jwt)"),
    headers: { "WWW-Authenticate": header('Bearer realm="chat-gateway" (error="invalid_token" for a bad one)') },
  },
  "503": {
    ...json(
      shape,
      "Redis (distributed mode) or the JWKS endpoint cannot be reached right now; for a new turn also: too many turns are waiting (MAX_QUEUED_TURNS)",
    ),
    headers: { "Retry-After": RETRY_AFTER },
  },
});
/** What a request that starts a turn may also get: one of the caller's limits is reached. */
const limitErrors = (shape: ErrorShape): Json => ({
  "429": {
    ...json(
      shape,
      "A limit of the caller is reached: turns per minute, input characters per minute, turns at once, or an API key's turns waiting (see the README, Limits)",
    ),
    headers: {
      "Retry-After": RETRY_AFTER,
      "RateLimit-Policy": header('The caller\'s limits, e.g. "turns";q=60;w=60'),
      RateLimit: header('What is left of each, e.g. "turns";r=0;t=1'),
    },
  },
});
/** A GET of a document or page the gateway serves (behind identity when AUTH_MODE asks for it). */
const page = (
  operationId: string,
  summary: string,
  description: string,
  type: string,
  schema: Json = { type: "string" },
): Json => ({
  get: {
    operationId,
    summary,
    responses: { "200": { description, content: { [type]: { schema } } }, ...guardErrors("Error") },
  },
});
const seedErrors: Json = {
  "400": json("Error", "A field is invalid (details name it) or the body is not JSON"),
  "413": json("Error", "The body is larger than MAX_BODY_BYTES"),
  "415": json("Error", "The content type is not application/json"),
  "409": json("Error", "multitask_strategy is reject and the session is running a turn (details: running_turn_id)"),
  ...guardErrors("Error"),
  ...limitErrors("Error"),
};
const openaiErrors: Json = {
  "400": json("OpenAIError", "Invalid request; `param` names the field"),
  "413": json("OpenAIError", "The body is larger than MAX_BODY_BYTES"),
  "415": json("OpenAIError", "The content type is not application/json"),
  "502": json("OpenAIError", "The model provider failed"),
  "504": json("OpenAIError", "The turn did not finish in time"),
  ...guardErrors("OpenAIError"),
  ...limitErrors("OpenAIError"),
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
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An API key (AUTH_MODE=api_key) or a JWT (AUTH_MODE=jwt) as `Authorization: Bearer …`",
        },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "An API key (AUTH_MODE=api_key)" },
      },
    },
    // AUTH_MODE=none (the default, loopback only) needs no credentials: hence the empty alternative.
    security: [{}, { bearer: [] }, { apiKey: [] }],
    paths: {
      "/healthz": {
        get: {
          operationId: "healthz",
          summary: "Liveness",
          security: [],
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
            ...guardErrors("Error"),
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
            ...guardErrors("Error"),
          },
        },
      },
      "/v1/models": {
        get: {
          operationId: "listModels",
          summary:
            "OpenAI-compatible model list: the chat model, `+tools` (agent), `+tools+details` (agent, tool calls shown)",
          responses: { "200": json("ModelList", "The models"), ...guardErrors("OpenAIError") },
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
            ...guardErrors("Error"),
          },
        },
      },
      "/v1/usage": {
        get: {
          operationId: "usage",
          summary: "The caller's own tenant's tokens per UTC day (no parameter names a tenant)",
          parameters: [
            {
              name: "days",
              in: "query",
              required: false,
              schema: { type: "integer", minimum: 1, maximum: 90, default: 30 },
              example: "7",
            },
          ],
          responses: {
            "200": json("UsageReport", "Tokens per day"),
            "400": json("Error", "days is not an integer from 1 to 90, or an unknown parameter"),
            ...guardErrors("Error"),
          },
        },
      },
      "/openapi.json": page("openapi", "This document", "OpenAPI 3.1", "application/json", { type: "object" }),
      "/": page("playground", "The browser playground (off with PLAYGROUND=false)", "HTML", "text/html"),
      "/docs": page("docs", "API reference page", "HTML", "text/html"),
    },
  };
}
