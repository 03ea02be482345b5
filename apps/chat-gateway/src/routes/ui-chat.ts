import {
  isTerminal,
  scopeId,
  SessionId,
  UI_MESSAGE_STREAM_HEADER,
  UIChatRequest,
  type ConversationMessage,
  type UIMessage,
} from "@acb/schemas";
import { compareEntryIds, ENTRY_ID_PATTERN } from "@acb/turns";
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { invalidField as invalid } from "../http/errors.js";
import { lastUserMessage } from "../http/last-message.js";
import { callerOf } from "../limits/admission.js";
import { sseFramesResponse } from "../http/sse-frames.js";
import { jsonOnly, refuseInvalid } from "../http/validate.js";
import type { TurnService } from "../turn-service.js";
import type { ActiveChats } from "../ui/active-chats.js";
import { uiStreamFrames } from "../ui/stream.js";

export interface UIChatRouteOptions {
  readonly maxBodyBytes: number;
  readonly heartbeatMs: number;
  /** How long a chat's latest turn stays resumable (the turn's deadline plus its log's retention). */
  readonly resumableMs: number;
}

const messageIdOf = (turnId: string): string => `msg-${turnId}`;

/** A chat id is the client's: two tenants may pick the same one, so the active-chat record is kept per tenant. */
const chatKey = (scope: Parameters<typeof scopeId>[0] | undefined, chatId: string): string =>
  `${scopeId(scope ?? {})}/${chatId}`;

/** The UI messages as a conversation: text parts only (earlier tool parts are the agent's own business). */
function conversationOf(messages: UIMessage[]): { input: string; before: ConversationMessage[] } {
  const all = messages.map((m) => ({
    role: m.role,
    content: m.parts.map((p) => (p.type === "text" && typeof p.text === "string" ? p.text : "")).join(""),
  }));
  const last = lastUserMessage(all, "parts");
  const before = all.slice(0, -1).filter((m) => m.content !== "") as ConversationMessage[];
  return { input: last.content, before };
}

/**
 * The AI SDK door: `POST /v1/ui/chat` (what `useChat`'s DefaultChatTransport sends) answers the UI message
 * stream v1; `GET /v1/ui/chat/{chatId}/stream` resumes the chat's running turn (204 when none), so
 * `useChat({ resume: true })` picks an answer up after a reload. Stateless: the client's messages are the
 * conversation. A client that goes away does not cancel the turn (it may come back to resume it).
 */
export function uiChatRoutes(turns: TurnService, activeChats: ActiveChats, options: UIChatRouteOptions): Hono {
  const app = new Hono();
  const headers = (turnId: string) => ({ [UI_MESSAGE_STREAM_HEADER]: "v1", "x-turn-id": turnId });

  app.post("/ui/chat", jsonOnly(options.maxBodyBytes), zValidator("json", UIChatRequest, refuseInvalid), async (c) => {
    const req = c.req.valid("json");
    const { input, before } = conversationOf(req.messages);
    const mode = req.mode ?? "agent";
    const job = await turns.start({
      sessionId: req.id,
      mode,
      input,
      messages: before,
      options: { tools: mode === "agent", ...(req.model !== undefined ? { model: req.model } : {}) },
      scope: c.get("scope"),
      caller: callerOf(c),
    });
    await activeChats.set(chatKey(c.get("scope"), req.id), job.turn_id, options.resumableMs);
    return sseFramesResponse(
      (signal) => uiStreamFrames(messageIdOf(job.turn_id), "0", [], turns.follow(job.turn_id, "0", signal)),
      { heartbeatMs: options.heartbeatMs, headers: headers(job.turn_id) },
    );
  });

  app.get("/ui/chat/:chatId/stream", async (c) => {
    const chatId = SessionId.safeParse(c.req.param("chatId"));
    if (!chatId.success) throw invalid("chatId", "is not a valid chat id");
    const lastEventId = c.req.header("last-event-id") ?? "0";
    if (lastEventId !== "0" && !ENTRY_ID_PATTERN.test(lastEventId))
      throw invalid("Last-Event-ID", "must look like 1700000000000-0");
    const turnId = await activeChats.get(chatKey(c.get("scope"), chatId.data));
    const logged = turnId === undefined ? [] : await turns.events(turnId);
    // A turn still queued has logged nothing yet, and is active all the same; one whose events expired is not.
    if (turnId === undefined || logged.some((e) => isTerminal(e.event))) return c.body(null, 204);
    if (logged.length === 0 && !(await turns.pending(turnId))) return c.body(null, 204);
    const replay = logged.filter((e) => compareEntryIds(e.id, lastEventId) <= 0);
    return sseFramesResponse(
      (signal) => uiStreamFrames(messageIdOf(turnId), lastEventId, replay, turns.follow(turnId, lastEventId, signal)),
      { heartbeatMs: options.heartbeatMs, headers: headers(turnId) },
    );
  });

  return app;
}
