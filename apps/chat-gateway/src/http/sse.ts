import { formatSse, SSE_HEARTBEAT, type LoggedTurnEvent } from "@acb/schemas";

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
  const encoder = new TextEncoder();
  const abort = new AbortController();
  let heartbeat: NodeJS.Timeout | undefined;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let lastWrite = Date.now();
      const write = (text: string): boolean => {
        if (abort.signal.aborted) return false;
        try {
          controller.enqueue(encoder.encode(text));
          lastWrite = Date.now();
          return true;
        } catch {
          abort.abort();
          return false;
        }
      };
      heartbeat = setInterval(() => {
        if (Date.now() - lastWrite >= options.heartbeatMs) write(SSE_HEARTBEAT);
      }, Math.max(50, Math.floor(options.heartbeatMs / 2)));
      try {
        for await (const entry of follow(abort.signal)) {
          const { event } = entry;
          if (!write(formatSse({ id: entry.id, event: event.event, data: event.data }))) break;
        }
      } catch {
        write(formatSse({ event: "error", data: "the event stream failed" }));
      } finally {
        clearInterval(heartbeat);
        if (!abort.signal.aborted) {
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        }
      }
    },
    cancel() {
      clearInterval(heartbeat);
      abort.abort();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...options.headers,
    },
  });
}
