import { describeInvalid, detailsFromZod, WsCancelMessage, WsChatMessage, type WsServerFrame } from "@acb/schemas";
import type { Logger } from "@acb/logger";
import { Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { ApiError } from "../http/errors.js";
import { turnControl, turnOptions, type TurnService } from "../turn-service.js";

/**
 * WS /ws/chat: the client sends `{"session_id","input"}` per turn; the server answers with
 * `{"event":"token","data"}` … `{"event":"done","data":<session_id>,"turn_id"}`. A bad message gets
 * `{"event":"error","data"}` and the socket stays usable. Messages are handled one turn at a time, in order;
 * every frame of a turn carries its `turn_id`, so `{"type":"cancel","turn_id"}` (handled at once, not queued
 * behind the running turn) can stop it.
 */
export function wsRoutes(turns: TurnService, upgradeWebSocket: UpgradeWebSocket, options: { maxMessageBytes: number; log: Logger }): Hono {
  const app = new Hono();
  app.get(
    "/ws/chat",
    upgradeWebSocket((c) => {
      // The socket's turns belong to the identity that opened it.
      const scope = c.get("scope");
      const closed = new AbortController();
      let queue: Promise<void> = Promise.resolve();
      const send = (ws: WSContext, frame: WsServerFrame): void => {
        if (!closed.signal.aborted) ws.send(JSON.stringify(frame));
      };

      /** A message as JSON, or the error frame that answers it. */
      const decode = (raw: unknown): { value: unknown } | { error: string } => {
        if (typeof raw !== "string") return { error: "messages must be JSON text frames" };
        if (Buffer.byteLength(raw) > options.maxMessageBytes) return { error: `message is larger than ${options.maxMessageBytes} bytes` };
        try {
          return { value: JSON.parse(raw) };
        } catch {
          return { error: "message is not valid JSON" };
        }
      };

      const handle = async (value: unknown, ws: WSContext): Promise<void> => {
        const parsed = WsChatMessage.safeParse(value);
        if (!parsed.success) return send(ws, { event: "error", data: `invalid message: ${describeInvalid(detailsFromZod(parsed.error))}` });
        const msg = parsed.data;
        const job = await turns.start({ sessionId: msg.session_id, mode: "chat", input: msg.input, options: turnOptions(msg), scope, ...turnControl(msg) });
        for await (const { event } of turns.follow(job.turn_id, "0", closed.signal)) {
          send(ws, { event: event.event, data: event.data, turn_id: job.turn_id });
        }
      };

      /** `{"type":"cancel","turn_id"}`: owner only; an unknown or foreign turn is one answer. */
      const cancel = async (msg: WsCancelMessage, ws: WSContext): Promise<void> => {
        if (!(await turns.visible(msg.turn_id, scope ?? {}))) return send(ws, { event: "error", data: "no such turn (it may have expired)", turn_id: msg.turn_id });
        await turns.cancel(msg.turn_id);
      };

      return {
        onMessage(evt, ws) {
          const decoded = decode(evt.data);
          if ("error" in decoded) return send(ws, { event: "error", data: decoded.error });
          const value = decoded.value;
          const failed = (err: unknown): void => {
            if (err instanceof ApiError) return send(ws, { event: "error", data: err.message, ...(err.details?.[0]?.field === "running_turn_id" ? { turn_id: err.details[0].message } : {}) });
            options.log.warn("websocket turn failed", { error: err instanceof Error ? err.name : "unknown" });
            send(ws, { event: "error", data: "the turn could not be started" });
          };
          // A cancel is not queued behind the turn it cancels.
          const asCancel = typeof value === "object" && value !== null && "type" in value ? WsCancelMessage.safeParse(value) : undefined;
          if (asCancel !== undefined) {
            if (!asCancel.success) return send(ws, { event: "error", data: `invalid message: ${describeInvalid(detailsFromZod(asCancel.error))}` });
            void cancel(asCancel.data, ws).catch(failed);
            return;
          }
          queue = queue.then(() => handle(value, ws)).catch(failed);
        },
        onClose() {
          closed.abort();
        },
        onError() {
          closed.abort();
        },
      };
    }),
  );
  return app;
}
