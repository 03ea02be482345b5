import { formatSse, type LoggedTurnEvent } from "@acb/schemas";
import { sseFramesResponse } from "./sse-frames.js";

export interface SseStreamOptions {
  /** A `: ping` comment goes out after this long without an event, so proxies keep idle streams open. */
  readonly heartbeatMs: number;
  readonly headers?: Record<string, string>;
}

/**
 * A `text/event-stream` Response relaying a turn's events: `id:` = the event log entry id, `event:` = the
 * seed's event name, `data:` = its payload. `follow` receives a signal that aborts when the client goes away;
 * the turn itself keeps running (it is decoupled from the stream), so its answer still lands in history.
 */
export function sseResponse(follow: (signal: AbortSignal) => AsyncIterable<LoggedTurnEvent>, options: SseStreamOptions): Response {
  return sseFramesResponse(async function* (signal) {
    try {
      for await (const entry of follow(signal)) yield formatSse({ id: entry.id, event: entry.event.event, data: entry.event.data });
    } catch {
      yield formatSse({ event: "error", data: "the event stream failed" });
    }
  }, options);
}
