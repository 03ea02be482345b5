import { AgentChatRequest, ChatRequest } from "@acb/schemas";
import { Hono, type Context } from "hono";
import { randomUUID } from "node:crypto";
import { ApiError } from "../http/errors.js";
import { callerOf } from "../limits/admission.js";
import { readJsonBody } from "../http/json-body.js";
import { sseResponse } from "../http/sse.js";
import { turnControl, turnOptions, type TurnService } from "../turn-service.js";

export interface ChatRouteOptions {
  readonly maxBodyBytes: number;
  readonly heartbeatMs: number;
  readonly turnTimeoutMs: number;
}

/** The seed's chat endpoints: POST /v1/chat (JSON, or SSE with `stream: true`), /v1/chat/stream, /v1/agent/chat/stream. */
export function chatRoutes(turns: TurnService, options: ChatRouteOptions): Hono {
  const app = new Hono();

  const stream = (turnId: string, headers: Record<string, string> = {}) =>
    sseResponse((signal) => turns.follow(turnId, "0", signal), {
      heartbeatMs: options.heartbeatMs,
      headers: { "x-turn-id": turnId, ...headers },
      drain: turns.draining,
    });
  /** Starts a turn of `mode` from a validated body, on behalf of the caller behind `c`. */
  const start = (c: Context, mode: "chat" | "agent", sessionId: string, req: ChatRequest | AgentChatRequest) =>
    turns.start({
      sessionId,
      mode,
      input: req.input,
      options: turnOptions(req),
      scope: c.get("scope"),
      caller: callerOf(c),
      ...turnControl(req),
    });

  app.post("/chat", async (c) => {
    const req = await readJsonBody(c.req.raw, ChatRequest, options.maxBodyBytes);
    const job = await start(c, "chat", req.session_id, req);
    if (req.stream) return stream(job.turn_id);
    // The turn is bounded by its own deadline; this wait only needs a little more than that (or until the client leaves).
    const result = await turns.collect(
      job.turn_id,
      AbortSignal.any([AbortSignal.timeout(options.turnTimeoutMs + 5_000), c.req.raw.signal]),
    );
    c.header("x-turn-id", job.turn_id);
    if (!result.ended) throw new ApiError(504, "timeout", "the turn did not finish in time");
    if (result.error) {
      const timeout = result.error.code === "timeout";
      throw new ApiError(timeout ? 504 : 502, timeout ? "timeout" : "upstream_error", result.error.data);
    }
    return c.json({ text: result.text });
  });

  app.post("/chat/stream", async (c) => {
    const req = await readJsonBody(c.req.raw, ChatRequest, options.maxBodyBytes);
    const job = await start(c, "chat", req.session_id, req);
    return stream(job.turn_id);
  });

  app.post("/agent/chat/stream", async (c) => {
    const req = await readJsonBody(c.req.raw, AgentChatRequest, options.maxBodyBytes);
    const sessionId = req.session_id ?? randomUUID();
    const job = await start(c, "agent", sessionId, req);
    return stream(job.turn_id, { "x-session-id": sessionId });
  });

  return app;
}
