import {
  ChatCompletionRequest,
  SESSION_HEADER,
  SESSION_ID_PATTERN,
  type ChatCompletion,
  type OpenAIModelList,
} from "@acb/schemas";
import { bestEffort, type Logger } from "@acb/logger";
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { randomUUID } from "node:crypto";
import { ApiError } from "../http/errors.js";
import { callerOf } from "../limits/admission.js";
import { dataFrame, DONE_FRAME, sseFramesResponse } from "../http/sse-frames.js";
import { jsonOnly, refuseInvalid } from "../http/validate.js";
import { listedModelIds, parseModelId, planTurn, refuseSurprises } from "../openai/convert.js";
import { openAIErrorBody, openAIErrorHandler } from "../openai/errors.js";
import { chunk, ContentRenderer, estimateUsage } from "../openai/render.js";
import type { TurnService } from "../turn-service.js";

export interface OpenAIRouteOptions {
  /** The configured chat model's id as listed by /v1/models (the offline demo model's name when offline). */
  readonly modelId: string;
  readonly maxBodyBytes: number;
  readonly heartbeatMs: number;
  readonly turnTimeoutMs: number;
  readonly log: Logger;
}

/**
 * The OpenAI-compatible door: `GET /v1/models`, `POST /v1/chat/completions`. Every request is a turn of the
 * same pipeline as the seed's routes (queue, event log, limits); stateless unless `X-Session-Id` names a
 * session. A client that stops reading a stream cancels its turn.
 */
export function openaiRoutes(turns: TurnService, options: OpenAIRouteOptions): Hono {
  const app = new Hono();
  app.onError(openAIErrorHandler(options.log));
  const created = Math.floor(Date.now() / 1000);

  app.get("/models", (c) => {
    const body: OpenAIModelList = {
      object: "list",
      data: listedModelIds(options.modelId).map((id) => ({
        id,
        object: "model",
        created,
        owned_by: "agent-chat-backend",
      })),
    };
    return c.json(body);
  });

  app.post(
    "/chat/completions",
    jsonOnly(options.maxBodyBytes),
    zValidator("json", ChatCompletionRequest, refuseInvalid),
    async (c) => {
      const req = c.req.valid("json");
      refuseSurprises(req);
      const session = c.req.header(SESSION_HEADER);
      if (session !== undefined && !SESSION_ID_PATTERN.test(session)) {
        throw new ApiError(
          400,
          "bad_request",
          "X-Session-Id may only contain letters, digits, '.', '_', ':' and '-' (1-128)",
          [{ field: "X-Session-Id", message: "is not a valid session id" }],
        );
      }
      const choice = parseModelId(req.model, options.modelId);
      const plan = planTurn(req, choice, session === undefined);
      const job = await turns.start({
        sessionId: session ?? `openai-${randomUUID()}`,
        mode: choice.tools ? "agent" : "chat",
        input: plan.input,
        options: plan.options,
        ...(plan.messages !== undefined ? { messages: plan.messages } : {}),
        // The caller's tenant: its sessions, its turns, its quota (as the seed's routes).
        scope: c.get("scope"),
        caller: callerOf(c),
      });
      const promptChars = plan.input.length + (plan.messages ?? []).reduce((n, m) => n + m.content.length, 0);
      const base = { id: `chatcmpl-${job.turn_id}`, created: Math.floor(job.enqueued_at / 1000), model: req.model };
      const headers = { "x-turn-id": job.turn_id, ...(session !== undefined ? { "x-session-id": session } : {}) };
      const renderer = new ContentRenderer(choice.showTools);

      if (req.stream === true) {
        const includeUsage = req.stream_options?.include_usage === true;
        return sseFramesResponse(
          async function* (signal) {
            yield dataFrame(chunk(base, { role: "assistant", content: "" }));
            let chars = 0;
            for await (const { event } of turns.follow(job.turn_id, "0", signal)) {
              const content = renderer.next(event);
              if (content !== undefined && content !== "") {
                chars += content.length;
                yield dataFrame(chunk(base, { content }));
              } else if (event.event === "error") {
                // OpenAI's SDKs raise an APIError on an `error` frame mid-stream; the stream ends there.
                yield dataFrame(
                  openAIErrorBody(
                    event.code === "timeout" ? 504 : 502,
                    event.data,
                    event.code === "timeout" ? "timeout" : "upstream_error",
                  ),
                );
                return;
              }
            }
            if (signal.aborted) return;
            yield dataFrame(chunk(base, {}, "stop"));
            if (includeUsage)
              yield dataFrame({ ...chunk(base, {}), choices: [], usage: estimateUsage(promptChars, chars) });
            yield DONE_FRAME;
          },
          {
            heartbeatMs: options.heartbeatMs,
            headers,
            onClientGone: () =>
              void bestEffort(
                turns.cancel(job.turn_id),
                options.log.child({ turn_id: job.turn_id }),
                "cancelling a turn whose reader went away",
              ),
          },
        );
      }

      // A client that hangs up on a non-streaming request cancels the turn too.
      const gone = c.req.raw.signal;
      const onGone = (): void =>
        void bestEffort(
          turns.cancel(job.turn_id),
          options.log.child({ turn_id: job.turn_id }),
          "cancelling a turn whose client hung up",
        );
      gone.addEventListener("abort", onGone, { once: true });
      let text = "";
      let error: { data: string; code?: string | undefined } | undefined;
      let ended = false;
      try {
        for await (const { event } of turns.follow(
          job.turn_id,
          "0",
          AbortSignal.any([gone, AbortSignal.timeout(options.turnTimeoutMs + 5_000)]),
        )) {
          text += renderer.next(event) ?? "";
          if (event.event === "error") error = event;
          if (event.event === "done") ended = true;
        }
      } finally {
        gone.removeEventListener("abort", onGone);
      }
      for (const [k, v] of Object.entries(headers)) c.header(k, v);
      if (!ended) throw new ApiError(504, "timeout", "the turn did not finish in time");
      if (error)
        throw new ApiError(
          error.code === "timeout" ? 504 : 502,
          error.code === "timeout" ? "timeout" : "upstream_error",
          error.data,
        );
      const body: ChatCompletion = {
        ...base,
        object: "chat.completion",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: text, refusal: null },
            finish_reason: "stop",
            logprobs: null,
          },
        ],
        usage: estimateUsage(promptChars, text.length),
      };
      return c.json(body);
    },
  );

  return app;
}
