import {
  admissionOf,
  CONCURRENCY_RETRY_CAP_MS,
  gcra,
  heldReading,
  LIMIT_ORDER,
  type Admission,
  type AdmitRequest,
} from "./types.js";
import type { LimitName, TurnLimits } from "./types.js";

interface Bucket {
  turnsTat: number;
  charsTat: number;
  /** turn id → deadline (epoch ms) */
  active: Map<string, number>;
  /** Turns admitted but not started yet: turn id → deadline (epoch ms). */
  queued: Map<string, number>;
}

/** Drops the places of `held` (turn id → deadline) whose deadline passed, and their turns' entries in `owners`. */
function dropExpired(held: Map<string, number>, owners: Map<string, string>, now: number): void {
  for (const [id, deadline] of held) {
    if (deadline <= now) {
      held.delete(id);
      owners.delete(id);
    }
  }
}

/** Ms until the earliest deadline in `held` (0 when empty): when a place frees at the latest. */
function earliestMs(held: Map<string, number>, now: number): number {
  const first = Math.min(...held.values());
  return Number.isFinite(first) ? Math.max(0, first - now) : 0;
}

/** Embedded mode's limits: one process, so a map; same arithmetic and contract as the Redis adapter. */
export class InMemoryTurnLimits implements TurnLimits {
  private readonly buckets = new Map<string, Bucket>();
  private readonly slotOf = new Map<string, string>();
  private readonly queuedOf = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  async admit(req: AdmitRequest): Promise<Admission> {
    const now = this.now();
    const bucket = this.bucket(req.bucket);
    dropExpired(bucket.active, this.slotOf, now);
    dropExpired(bucket.queued, this.queuedOf, now);
    const { turnsPerMinute, inputCharsPerMinute, maxConcurrent, maxQueued } = req.policy;
    const turns = turnsPerMinute !== undefined ? gcra(bucket.turnsTat, now, 1, turnsPerMinute) : undefined;
    const chars =
      inputCharsPerMinute !== undefined ? gcra(bucket.charsTat, now, req.inputChars, inputCharsPerMinute) : undefined;
    const refused: Record<LimitName, boolean> = {
      turns: turns !== undefined && !turns.ok,
      input_chars: chars !== undefined && !chars.ok,
      concurrent: maxConcurrent !== undefined && bucket.active.size >= maxConcurrent,
      queued: maxQueued !== undefined && bucket.queued.size >= maxQueued,
    };
    const exceeded = LIMIT_ORDER.find((name) => refused[name]);
    const admitted = exceeded === undefined;
    if (admitted) {
      if (turns) bucket.turnsTat = turns.tat;
      if (chars) bucket.charsTat = chars.tat;
      if (maxConcurrent !== undefined) {
        bucket.active.set(req.turnId, req.deadlineAt);
        this.slotOf.set(req.turnId, req.bucket);
      }
      if (maxQueued !== undefined) {
        bucket.queued.set(req.turnId, req.deadlineAt);
        this.queuedOf.set(req.turnId, req.bucket);
      }
    }
    // A refused turn added nothing: the earliest deadline is the one its Retry-After waits for.
    const retryAfterMs =
      exceeded === undefined
        ? 0
        : {
            turns: turns?.retryAfterMs ?? 0,
            input_chars: chars?.retryAfterMs ?? 0,
            concurrent: Math.min(earliestMs(bucket.active, now), CONCURRENCY_RETRY_CAP_MS),
            queued: Math.min(earliestMs(bucket.queued, now), CONCURRENCY_RETRY_CAP_MS),
          }[exceeded];
    return admissionOf(
      {
        turns:
          turns && turnsPerMinute !== undefined
            ? { limit: turnsPerMinute, remaining: turns.remaining, resetMs: turns.resetMs }
            : undefined,
        input_chars:
          chars && inputCharsPerMinute !== undefined
            ? { limit: inputCharsPerMinute, remaining: chars.remaining, resetMs: chars.resetMs }
            : undefined,
        concurrent:
          maxConcurrent !== undefined
            ? heldReading(maxConcurrent, bucket.active.size, earliestMs(bucket.active, now))
            : undefined,
        queued:
          maxQueued !== undefined
            ? heldReading(maxQueued, bucket.queued.size, earliestMs(bucket.queued, now))
            : undefined,
      },
      exceeded,
      retryAfterMs,
    );
  }

  async release(turnId: string): Promise<void> {
    await this.started(turnId);
    const name = this.slotOf.get(turnId);
    if (name === undefined) return;
    this.slotOf.delete(turnId);
    this.buckets.get(name)?.active.delete(turnId);
  }

  async started(turnId: string): Promise<void> {
    const name = this.queuedOf.get(turnId);
    if (name === undefined) return;
    this.queuedOf.delete(turnId);
    this.buckets.get(name)?.queued.delete(turnId);
  }

  async close(): Promise<void> {
    this.buckets.clear();
    this.slotOf.clear();
    this.queuedOf.clear();
  }

  private bucket(name: string): Bucket {
    let b = this.buckets.get(name);
    if (b === undefined) {
      b = { turnsTat: 0, charsTat: 0, active: new Map(), queued: new Map() };
      this.buckets.set(name, b);
    }
    return b;
  }
}
