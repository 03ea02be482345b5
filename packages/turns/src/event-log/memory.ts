import type { LoggedTurnEvent, TurnEvent } from "@acb/schemas";
import { isTerminal } from "@acb/schemas";
import { compareEntryIds } from "../ids.js";
import { DEFAULT_EVENT_LOG_OPTIONS, type EventLogOptions, type TurnEventLog } from "./types.js";

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

  private async *followLog(
    log: MemoryLog,
    turnId: string,
    afterId: string,
    signal: AbortSignal,
  ): AsyncIterable<LoggedTurnEvent> {
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
