import { SSE_HEARTBEAT } from "@acb/schemas";
import { heartbeat } from "./heartbeat.js";

export interface SseFramesOptions {
  /** A `: ping` comment goes out after this long without a frame, so proxies keep idle streams open. */
  readonly heartbeatMs: number;
  readonly headers?: Record<string, string>;
  /** Called once when the client stops reading before the frames ended (a `break` in an SDK, a closed tab). */
  readonly onClientGone?: () => void;
  /**
   * When it aborts, the frames' signal aborts too, but the stream stays writable: the frames may still say goodbye
   * (the gateway's drain: `retry:`). The listener is removed when the frames end (it may live as long as the process).
   */
  readonly drain?: AbortSignal;
}

/**
 * A `text/event-stream` Response writing already-formatted SSE frames (the OpenAI and AI SDK doors write
 * data-only frames). `frames` receives a signal that aborts when the client goes away (or `drain` aborts).
 *
 * One AbortController per stream: with 10,000 idle streams open every signal is ~1 KiB of heap (its listener
 * maps and shape), so the drain shares this one instead of a second controller (see infra/bench, heap per stream).
 */
export function sseFramesResponse(
  frames: (signal: AbortSignal) => AsyncIterable<string>,
  options: SseFramesOptions,
): Response {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  const drain = options.drain;
  let stopHeartbeat: (() => void) | undefined;
  let finished = false;
  // Back-pressure: once the client's socket and this stream's queue hold SSE_BUFFER_BYTES, stop pulling frames until
  // the client reads; the frames' source (the turn's durable event log) waits meanwhile, not this process' memory.
  let resume: (() => void) | undefined;
  // The client went away (or its socket failed): nothing more can be written. `abort` alone may be the drain.
  let gone = false;
  const leave = (): void => {
    gone = true;
    abort.abort();
    resume?.();
  };
  const onDrain = (): void => {
    abort.abort();
    resume?.();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      pull() {
        resume?.();
        resume = undefined;
      },
      start(controller) {
        // Not awaited: a stream counts as started, and gets the pull() calls that wake `drained` below, only once
        // start() has returned. Awaiting the whole relay here left a stream whose queue filled waiting forever.
        void (async () => {
          const beat = { lastWrite: Date.now(), ping: () => void write(SSE_HEARTBEAT) };
          const write = (text: string): boolean => {
            if (gone) return false;
            try {
              controller.enqueue(encoder.encode(text));
              beat.lastWrite = Date.now();
              return true;
            } catch {
              leave();
              return false;
            }
          };
          stopHeartbeat = heartbeat(options.heartbeatMs, beat);
          drain?.addEventListener("abort", onDrain, { once: true });
          if (drain?.aborted === true) abort.abort();
          const drained = async (): Promise<void> => {
            while ((controller.desiredSize ?? 1) <= 0 && !abort.signal.aborted)
              await new Promise<void>((r) => (resume = r));
          };
          try {
            for await (const frame of frames(abort.signal)) {
              if (!write(frame)) break;
              await drained();
            }
          } finally {
            drain?.removeEventListener("abort", onDrain);
            finished = !gone;
            stopHeartbeat?.();
            if (!gone) {
              try {
                controller.close();
              } catch {
                // already closed by the client
              }
            }
          }
        })().catch((err: unknown) => {
          try {
            controller.error(err);
          } catch {
            // the client already closed the stream: nobody is left to tell
          }
        });
      },
      cancel() {
        stopHeartbeat?.();
        leave();
        if (!finished) options.onClientGone?.();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: SSE_BUFFER_BYTES }),
  );
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

/** Bytes of SSE frames one stream may queue in this process before it stops pulling events (see sseFramesResponse). */
export const SSE_BUFFER_BYTES = 64 * 1024;

/** One data-only SSE frame (`data: <json>`), as OpenAI and the AI SDK write them. */
export const dataFrame = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
export const DONE_FRAME = "data: [DONE]\n\n";
