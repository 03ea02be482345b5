// Fail fast, never hang: what the gateway does while Redis (queue, event log, history) cannot be reached.
import type { LoggedTurnEvent } from "@acb/schemas";
import type { MiddlewareHandler } from "hono";
import type { RedisClient } from "@acb/turns";
import { jsonError } from "./http/errors.js";

/** Whether the store every turn goes through can be reached now, and a way to hear when it is lost. */
export interface Availability {
  available(): boolean;
  /** Resolves true once available, or false after `ms` (at once when Redis is known to be lost). */
  waitUntilAvailable(ms: number): Promise<boolean>;
  /** Called once Redis has been unreachable for the grace period (a blip of a reconnect is not a loss). */
  onLost(listener: () => void): () => void;
}

/** Seconds a client is told to wait before retrying while Redis is unreachable. */
export const UNAVAILABLE_RETRY_AFTER_S = 2;

/**
 * Redis' availability as the gateway's command connection sees it. That connection is made with
 * `enableOfflineQueue: false` (pipelines.ts), so while it is not `ready` every command fails at once; this guard
 * answers before any command is tried.
 */
export class RedisAvailability implements Availability {
  private readonly listeners = new Set<() => void>();
  private lostTimer: NodeJS.Timeout | undefined;
  /** Unreachable for longer than the grace: requests get their 503 at once instead of waiting for a reconnect. */
  private lost = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly graceMs = 1_000,
  ) {
    const down = (): void => {
      if (this.lostTimer !== undefined) return;
      this.lostTimer = setTimeout(() => {
        this.lost = true;
        for (const listener of [...this.listeners]) listener();
      }, this.graceMs);
      this.lostTimer.unref();
    };
    redis.on("close", down);
    redis.on("ready", () => {
      clearTimeout(this.lostTimer);
      this.lostTimer = undefined;
      this.lost = false;
    });
  }

  available(): boolean {
    return this.redis.status === "ready";
  }

  /**
   * Resolves true once Redis is ready, or false after `ms`: a reconnect in progress (the first connect, a blip) gets
   * that long. An outage past the grace answers false at once: every request would otherwise wait `ms` for nothing.
   */
  async waitUntilAvailable(ms: number): Promise<boolean> {
    if (this.available()) return true;
    if (this.lost) return false;
    let timer: NodeJS.Timeout | undefined;
    let onReady: (() => void) | undefined;
    try {
      return await new Promise<boolean>((resolve) => {
        onReady = () => resolve(true);
        this.redis.once("ready", onReady);
        timer = setTimeout(() => resolve(this.available()), ms);
      });
    } finally {
      clearTimeout(timer);
      if (onReady !== undefined) this.redis.off("ready", onReady);
    }
  }

  onLost(listener: () => void): () => void {
    this.listeners.add(listener);
    // Already lost for a while: tell at once.
    if (this.lost) queueMicrotask(() => this.listeners.has(listener) && listener());
    return () => this.listeners.delete(listener);
  }
}

/** How long a request waits for a reconnect in progress (the first connect, a restart with AOF) before its 503. */
export const RECONNECT_WAIT_MS = 1_200;

/** 503 + Retry-After for every request that needs Redis while it cannot be reached (instead of waiting for it). */
export function unavailableGuard(availability: Availability | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (availability === undefined || (await availability.waitUntilAvailable(RECONNECT_WAIT_MS))) return next();
    c.res = unavailableResponse();
  };
}

export function unavailableResponse(): Response {
  return jsonError(503, "not_ready", "the gateway cannot reach its store right now; retry shortly", undefined, {
    "retry-after": String(UNAVAILABLE_RETRY_AFTER_S),
  });
}

/** The ioredis errors that mean "Redis is unreachable" (offline queue off, command timeout, retries exhausted). */
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === "MaxRetriesPerRequestError" ||
    /enableOfflineQueue|Command timed out|Connection is closed|ECONNREFUSED/.test(err.message)
  );
}

/** How long an open stream waits for Redis to answer again after a read failed, before it ends (error + done). */
export const STREAM_RECONNECT_WAIT_MS = 5_000;

/**
 * Follows a turn's events, ending the stream with `error` + `done` when Redis is lost while it is open: clients
 * are not left hanging. The synthetic events carry the last id the client got, so it can resume from there (with
 * `Last-Event-ID`) once Redis is back; they are never written to the log. A read that fails in a blip (Redis
 * restarting) is not the end: the log is durable, so the stream follows again from the last event it delivered.
 */
export async function* followWhileAvailable(
  follow: (afterId: string, signal: AbortSignal) => AsyncIterable<LoggedTurnEvent>,
  signal: AbortSignal,
  availability: Availability,
  sessionId: string | undefined,
  afterId: string,
): AsyncIterable<LoggedTurnEvent> {
  // Ours to abort when Redis is lost (or the caller's signal aborts), so the follower underneath lets go of the
  // turn as well. A listener, not AbortSignal.any: that is a third signal per open stream, with weak refs both ways.
  const inner = new AbortController();
  const abortInner = (): void => inner.abort();
  signal.addEventListener("abort", abortInner, { once: true });
  if (signal.aborted) inner.abort();
  const followFrom = (id: string): AsyncIterator<LoggedTurnEvent> => follow(id, inner.signal)[Symbol.asyncIterator]();
  let iterator = followFrom(afterId);
  // Not Promise.race against one promise that settles on loss: every race adds a reaction to that long-lived
  // promise which keeps the race's result, so a stream held every event it relayed until it ended (20 MB for a
  // 20 MB answer). Each step waits on a promise of its own; the loss listener wakes only the current one.
  let isLost = false;
  let wakeOnLoss: (() => void) | undefined;
  const stop = availability.onLost(() => {
    isLost = true;
    wakeOnLoss?.();
  });
  let cursor = afterId;
  let failingSince: number | undefined;
  const end = (): LoggedTurnEvent[] => [
    {
      id: cursor,
      event: { event: "error", data: "the gateway lost its store; resume this turn shortly", code: "internal" },
    },
    { id: cursor, event: { event: "done", data: sessionId ?? "" } },
  ];
  try {
    for (;;) {
      let next: IteratorResult<LoggedTurnEvent> | "lost";
      try {
        const current = iterator;
        next = await new Promise<IteratorResult<LoggedTurnEvent> | "lost">((resolve, reject) => {
          if (isLost) return resolve("lost");
          wakeOnLoss = () => resolve("lost");
          current.next().then(resolve, reject);
        });
      } catch (err) {
        if (signal.aborted) throw err;
        // A read failed: Redis restarting, or a cluster failing over (CLUSTERDOWN, TRYAGAIN, a moved slot). The log is
        // durable, so follow again from the last event delivered; only a store still failing after the wait ends the
        // stream (error + done, resumable with Last-Event-ID).
        failingSince ??= Date.now();
        const left = STREAM_RECONNECT_WAIT_MS - (Date.now() - failingSince);
        if (left <= 0 || !(await availability.waitUntilAvailable(left))) {
          yield* end();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(100, left)));
        iterator = followFrom(cursor);
        continue;
      } finally {
        wakeOnLoss = undefined;
      }
      failingSince = undefined;
      if (next === "lost") {
        yield* end();
        return;
      }
      if (next.done === true) return;
      cursor = next.value.id;
      yield next.value;
    }
  } finally {
    stop();
    signal.removeEventListener("abort", abortInner);
    inner.abort();
  }
}
