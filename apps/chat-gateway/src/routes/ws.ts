import { describeInvalid, detailsFromZod, WsCancelMessage, WsChatMessage, type WsServerFrame } from "@acb/schemas";
import type { Logger } from "@acb/logger";
import { Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { ApiError } from "../http/errors.js";
import { callerOf, type OnReject } from "../limits/admission.js";
import { turnControl, turnOptions, type TurnService } from "../turn-service.js";

/** Bytes a socket may have waiting to go out before its turn stops pulling events (back-pressure). */
export const WS_BUFFER_BYTES = 64 * 1024;

/**
 * Waits while the socket's send buffer is over WS_BUFFER_BYTES: a client that reads slowly makes its turn's follower
 * wait (the events stay in the durable log) instead of this process buffering them. `ws` has no drain event: poll.
 */
async function drained(ws: WSContext, signal: AbortSignal): Promise<void> {
  const raw = ws.raw as { bufferedAmount?: number } | undefined;
  while (!signal.aborted && (raw?.bufferedAmount ?? 0) > WS_BUFFER_BYTES) await new Promise((r) => setTimeout(r, 25));
}

/**
 * WS /ws/chat: the client sends `{"session_id","input"}` per turn; the server answers with
 * `{"event":"token","data"}` … `{"event":"done","data":<session_id>,"turn_id"}`. A bad message gets
 * `{"event":"error","data"}` and the socket stays usable. Messages are handled one turn at a time, in order;
 * at most `maxBacklog` (or the API key's `max_queued_turns`, when smaller) wait behind the running one (more get an
 * `error` with code `backlog_full`), and what
 * waits when the socket closes is dropped, never started. Every frame of a turn carries its `turn_id`, so
 * `{"type":"cancel","turn_id"}` (handled at once, not queued behind the running turn) can stop it.
 */
export function wsRoutes(
  turns: TurnService,
  upgradeWebSocket: UpgradeWebSocket,
  options: { maxMessageBytes: number; maxBacklog: number; log: Logger; onReject?: OnReject },
): Hono {
  const app = new Hono();
  app.get(
    "/ws/chat",
    upgradeWebSocket((c) => {
      // The socket's turns belong to the identity that opened it.
      const scope = c.get("scope");
      const caller = callerOf(c);
      // What waits here is turns the server holds for the caller: an API key's max_queued_turns bounds it too.
      const maxBacklog = Math.min(options.maxBacklog, caller.keyLimits?.max_queued_turns ?? options.maxBacklog);
      const closed = new AbortController();
      let queue: Promise<void> = Promise.resolve();
      /** Messages accepted and not yet finished: the running turn plus its backlog. */
      let pending = 0;
      const send = (ws: WSContext, frame: WsServerFrame): void => {
        if (!closed.signal.aborted) ws.send(JSON.stringify(frame));
      };

      /** A message as JSON, or the error frame that answers it. */
      const decode = (raw: unknown): { value: unknown } | { error: string } => {
        if (typeof raw !== "string") return { error: "messages must be JSON text frames" };
        if (Buffer.byteLength(raw) > options.maxMessageBytes)
          return { error: `message is larger than ${options.maxMessageBytes} bytes` };
        try {
          return { value: JSON.parse(raw) };
        } catch {
          return { error: "message is not valid JSON" };
        }
      };

      const handle = async (value: unknown, ws: WSContext): Promise<void> => {
        const parsed = WsChatMessage.safeParse(value);
        if (!parsed.success)
          return send(ws, {
            event: "error",
            data: `invalid message: ${describeInvalid(detailsFromZod(parsed.error))}`,
          });
        const msg = parsed.data;
        let job;
        try {
          job = await turns.start({
            sessionId: msg.session_id,
            mode: "chat",
            input: msg.input,
            options: turnOptions(msg),
            scope,
            caller,
            ...turnControl(msg),
          });
        } catch (err) {
          // Refusals (rate_limited, queue_full, a model not allowed, a busy session …) are told like HTTP ones; the socket stays open.
          if (err instanceof ApiError)
            return send(ws, {
              event: "error",
              data: err.message,
              code: err.code,
              ...(err.details?.[0]?.field === "running_turn_id" ? { turn_id: err.details[0].message } : {}),
            });
          throw err;
        }
        for await (const { event } of turns.follow(job.turn_id, "0", closed.signal)) {
          send(ws, { event: event.event, data: event.data, turn_id: job.turn_id });
          await drained(ws, closed.signal);
        }
      };

      /** `{"type":"cancel","turn_id"}`: owner only; an unknown or foreign turn is one answer. */
      const cancel = async (msg: WsCancelMessage, ws: WSContext): Promise<void> => {
        if (!(await turns.visible(msg.turn_id, scope ?? {})))
          return send(ws, { event: "error", data: "no such turn (it may have expired)", turn_id: msg.turn_id });
        await turns.cancel(msg.turn_id);
      };

      return {
        onMessage(evt, ws) {
          if (closed.signal.aborted) return;
          const decoded = decode(evt.data);
          if ("error" in decoded) return send(ws, { event: "error", data: decoded.error });
          const value = decoded.value;
          const failed = (err: unknown): void => {
            options.log.warn("websocket turn failed", { error: err instanceof Error ? err.name : "unknown" });
            send(ws, { event: "error", data: "the turn could not be started" });
          };
          // A cancel is not queued behind the turn it cancels.
          const asCancel =
            typeof value === "object" && value !== null && "type" in value
              ? WsCancelMessage.safeParse(value)
              : undefined;
          if (asCancel !== undefined) {
            if (!asCancel.success)
              return send(ws, {
                event: "error",
                data: `invalid message: ${describeInvalid(detailsFromZod(asCancel.error))}`,
              });
            void cancel(asCancel.data, ws).catch(failed);
            return;
          }
          if (pending > maxBacklog) {
            options.onReject?.("backlog_full");
            return send(ws, {
              event: "error",
              data: `too many messages waiting on this socket (at most ${maxBacklog} behind the running turn)`,
              code: "backlog_full",
            });
          }
          pending += 1;
          queue = queue
            .then(() => (closed.signal.aborted ? undefined : handle(value, ws)))
            .catch(failed)
            .finally(() => {
              pending -= 1;
            });
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
