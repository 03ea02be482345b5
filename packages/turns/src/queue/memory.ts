import type { TurnJob } from "@acb/schemas";
import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import type { TurnHandler, TurnQueue } from "./types.js";

export interface InProcessQueueOptions {
  /** Turns run at once (EMBEDDED_CONCURRENCY). */
  readonly concurrency?: number;
  /** Turns allowed to wait for a slot; more are refused (QueueFullError) rather than queued without end. */
  readonly maxWaiting?: number;
  readonly log?: Logger;
}

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

  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private readonly log: Logger;

  constructor(
    private readonly handler: TurnHandler,
    options: InProcessQueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.maxWaiting = options.maxWaiting ?? Number.POSITIVE_INFINITY;
    this.log = options.log ?? silentLogger;
  }

  /** Turns waiting for a slot (not the running ones). */
  backlog(): number {
    return this.waiting.length;
  }

  async enqueue(job: TurnJob): Promise<void> {
    if (this.closed) throw new Error("queue closed");
    if (this.queued.has(job.turn_id)) return;
    if (this.waiting.length >= this.maxWaiting && this.running >= this.concurrency)
      throw new QueueFullError(this.maxWaiting);
    this.queued.add(job.turn_id);
    this.waiting.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift();
      if (!job) break;
      this.running += 1;
      // A handler that throws (processTurn normally ends every turn itself) must not stop the queue.
      const run = bestEffort(this.handler(job), this.log.child({ turn_id: job.turn_id }), "turn handler").finally(
        () => {
          this.queued.delete(job.turn_id);
          this.running -= 1;
          this.inFlight.delete(run);
          this.pump();
        },
      );
      this.inFlight.add(run);
    }
  }

  /** Waiting or running here (and not yet finished). */
  async has(turnId: string): Promise<boolean> {
    return this.queued.has(turnId);
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
