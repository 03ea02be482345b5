import type { TurnJob } from "@acb/schemas";
import { Queue, type ConnectionOptions } from "bullmq";
import { queuePrefix, TURN_QUEUE_NAME } from "../keys.js";
import type { TurnQueue } from "./types.js";

export interface BullTurnQueueOptions {
  readonly prefix: string;
  readonly connection: ConnectionOptions;
  /** How long finished jobs are kept for inspection. */
  readonly keepCompletedSeconds?: number;
}

/** Enqueues turns on BullMQ with jobId = turn id, so a repeated enqueue is a no-op. */
export class BullTurnQueue implements TurnQueue {
  private readonly queue: Queue;
  private readonly keep: number;

  constructor(options: BullTurnQueueOptions) {
    this.queue = new Queue(TURN_QUEUE_NAME, { connection: options.connection, prefix: queuePrefix(options.prefix) });
    this.keep = options.keepCompletedSeconds ?? 3600;
  }

  async enqueue(job: TurnJob): Promise<void> {
    await this.queue.add(job.mode, job, {
      jobId: job.turn_id,
      // One attempt: a turn that failed has already told its clients so (error + done). Stalled jobs (a
      // runner that died) are still redelivered by BullMQ's stall check and ended by processTurn.
      attempts: 1,
      removeOnComplete: { age: this.keep },
      removeOnFail: { age: this.keep * 24 },
    });
  }

  async has(turnId: string): Promise<boolean> {
    return (await this.queue.getJob(turnId)) !== undefined;
  }

  async workers(): Promise<number> {
    return await this.queue.getWorkersCount();
  }

  async counts(): Promise<Record<string, number>> {
    return await this.queue.getJobCounts("waiting", "active", "delayed", "failed");
  }

  /** BullMQ's `error` events (its Redis connection's, mostly): without a listener BullMQ prints each one's stack. */
  on(event: "error", listener: (err: Error) => void): void {
    this.queue.on(event, listener);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
