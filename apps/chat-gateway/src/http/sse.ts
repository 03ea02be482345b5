import { formatSse, type LoggedTurnEvent } from "@acb/schemas";
import { sseFramesResponse } from "./sse-frames.js";

export interface SseStreamOptions {
  /** A `: ping` comment goes out after this long without an event, so proxies keep idle streams open. */
  readonly heartbeatMs: number;
  readonly headers?: Record<string, string>;
  /**
   * Gateway drain: when it aborts, a stream whose turn has not ended is told to reconnect (`retry:`) and
   * closed; the client resumes elsewhere with `Last-Event-ID`, losing nothing.
   */
  readonly drain?: AbortSignal;
}

/** The reconnect delay a drained stream's client is told (SSE `retry:`, ms). */
export const DRAIN_RETRY_MS = 500;

/**
 * A `text/event-stream` Response relaying a turn's events: `id:` = the event log entry id, `event:` = the
 * seed's event name, `data:` = its payload. `follow` receives a signal that aborts when the client goes away;
 * the turn itself keeps running (it is decoupled from the stream), so its answer still lands in history.
 */
export function sseResponse(
  follow: (signal: AbortSignal) => AsyncIterable<LoggedTurnEvent>,
  options: SseStreamOptions,
): Response {
  const drain = options.drain;
  // `signal` aborts when the client leaves or the gateway drains (sseFramesResponse's `drain`); the stream stays
  // writable after a drain, so the client is told to reconnect.
  return sseFramesResponse(async function* (signal) {
    let ended = false;
    try {
      for await (const entry of follow(signal)) {
        if (entry.event.event === "done") ended = true;
        yield formatSse({ id: entry.id, event: entry.event.event, data: entry.event.data });
      }
    } catch {
      yield formatSse({ event: "error", data: "the event stream failed" });
    }
    // (A client that left gets nothing: sseFramesResponse writes no frame after it has gone.)
    if (!ended && drain?.aborted === true) yield `retry: ${DRAIN_RETRY_MS}\n\n`;
  }, options);
}
