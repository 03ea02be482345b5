import type { LoggedTurnEvent, TurnEvent, TurnJob } from "@acb/schemas";
import { isTerminal } from "@acb/schemas";
import { compareEntryIds } from "./ids.js";
import { DEFAULT_EVENT_LOG_OPTIONS, type EventLogOptions, type TurnCanceller, type TurnEventLog, type TurnQueue } from "./types.js";

interface MemoryLog {
  events: LoggedTurnEvent[];
  ended: boolean;
  wake: Set<() => void>;
  lastMs: number;
  seq: number;
  expiry?: NodeJS.Timeout;
}

/** The in-memory event log used by embedded mode. Same contract as the Redis one, ids of the same form. */
export class InMemoryTurnEventLog implements TurnEventLog {
  private readonly logs = new Map<string, MemoryLog>();
  private readonly options: EventLogOptions;

  constructor(options: Partial<EventLogOptions> = {}) {
    this.options = { ...DEFAULT_EVENT_LOG_OPTIONS, ...options };
  }

  private log(turnId: string): MemoryLog {
    let log = this.logs.get(turnId);
    if (!log) {
      log = { events: [], ended: false, wake: new Set(), lastMs: 0, seq: 0 };
      this.logs.set(turnId, log);
    }
    return log;
  }

  async append(turnId: string, event: TurnEvent): Promise<string | undefined> {
    const log = this.log(turnId);
    if (log.ended) return undefined;
    const now = Date.now();
    if (now > log.lastMs) {
      log.lastMs = now;
      log.seq = 0;
    } else {
      log.seq += 1;
    }
    const id = `${log.lastMs}-${log.seq}`;
    log.events.push({ id, event });
    if (log.events.length > this.options.maxLen) log.events.splice(0, log.events.length - this.options.maxLen);
    if (isTerminal(event)) {
      log.ended = true;
      clearTimeout(log.expiry);
      log.expiry = setTimeout(() => this.logs.delete(turnId), this.options.retentionMs);
      log.expiry.unref();
    }
    for (const wake of log.wake) wake();
    return id;
  }

  async read(turnId: string, afterId: string, count = Number.POSITIVE_INFINITY): Promise<LoggedTurnEvent[]> {
    const log = this.logs.get(turnId);
    if (!log) return [];
    const start = firstAfter(log.events, afterId);
    return log.events.slice(start, Number.isFinite(count) ? start + count : undefined);
  }

  async *follow(turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    const log = this.log(turnId);
    try {
      yield* this.followLog(log, turnId, afterId, signal);
    } finally {
      // A follower of a turn that never started must not leave an empty log behind.
      if (log.events.length === 0 && log.wake.size === 0 && this.logs.get(turnId) === log) this.logs.delete(turnId);
    }
  }

  private async *followLog(log: MemoryLog, turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    let cursor = afterId;
    while (!signal.aborted) {
      let wake: (() => void) | undefined;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const onAbort = (): void => wake?.();
      // Register before reading so an append between the read and the wait is not missed.
      if (wake) log.wake.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        const batch = await this.read(turnId, cursor);
        if (batch.length > 0) {
          for (const entry of batch) {
            cursor = entry.id;
            yield entry;
            if (isTerminal(entry.event)) return;
          }
          continue;
        }
        await woken;
      } finally {
        if (wake) log.wake.delete(wake);
        signal.removeEventListener("abort", onAbort);
      }
    }
  }

  async exists(turnId: string): Promise<boolean> {
    return (this.logs.get(turnId)?.events.length ?? 0) > 0;
  }

  async close(): Promise<void> {
    for (const log of this.logs.values()) clearTimeout(log.expiry);
    this.logs.clear();
  }
}

export type TurnHandler = (job: TurnJob) => Promise<void>;

export class QueueFullError extends Error {
  constructor(readonly maxWaiting: number) {
    super(`the turn queue is full (${maxWaiting} waiting)`);
    this.name = "QueueFullError";
  }
}

/**
 * Embedded mode's queue: runs turns in this process with bounded concurrency. A turn id already waiting or
 * running is ignored, like BullMQ's jobId deduplication; one enqueued again after it finished is stopped by
 * `processTurn`, which does not run a turn whose log already ended.
 */
export class InProcessTurnQueue implements TurnQueue {
  private readonly queued = new Set<string>();
  private readonly waiting: TurnJob[] = [];
  private running = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly handler: TurnHandler,
    private readonly concurrency = 16,
    /** Turns allowed to wait for a slot; more are refused (QueueFullError) rather than queued without end. */
    private readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {}

  /** Turns waiting for a slot (not the running ones). */
  backlog(): number {
    return this.waiting.length;
  }

  async enqueue(job: TurnJob): Promise<void> {
    if (this.closed) throw new Error("queue closed");
    if (this.queued.has(job.turn_id)) return;
    if (this.waiting.length >= this.maxWaiting && this.running >= this.concurrency) throw new QueueFullError(this.maxWaiting);
    this.queued.add(job.turn_id);
    this.waiting.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift();
      if (!job) break;
      this.running += 1;
      const run = this.handler(job)
        .catch(() => undefined)
        .finally(() => {
          this.queued.delete(job.turn_id);
          this.running -= 1;
          this.inFlight.delete(run);
          this.pump();
        });
      this.inFlight.add(run);
    }
  }

  async workers(): Promise<number> {
    return this.closed ? 0 : 1;
  }

  /** Takes no new turns and drains the accepted ones (clients are waiting on them). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

export class InMemoryTurnCanceller implements TurnCanceller {
  private readonly watchers = new Map<string, Set<() => void>>();

  async cancel(turnId: string): Promise<void> {
    for (const fn of this.watchers.get(turnId) ?? []) fn();
  }

  async watch(turnId: string, onCancel: () => void): Promise<() => void> {
    let set = this.watchers.get(turnId);
    if (!set) {
      set = new Set();
      this.watchers.set(turnId, set);
    }
    set.add(onCancel);
    return () => {
      set.delete(onCancel);
      if (set.size === 0) this.watchers.delete(turnId);
    };
  }

  async close(): Promise<void> {
    this.watchers.clear();
  }
}

/** Index of the first entry whose id is after `afterId` (ids are increasing): a binary search, not a scan. */
function firstAfter(events: readonly LoggedTurnEvent[], afterId: string): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntryIds(events[mid]?.id ?? "0", afterId) > 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
