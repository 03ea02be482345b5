import { TurnJob } from "@acb/schemas";
import { UnrecoverableError, Worker, type ConnectionOptions } from "bullmq";
import { queuePrefix, TURN_QUEUE_NAME } from "../keys.js";

export interface TurnWorkerOptions {
  readonly prefix: string;
  readonly connection: ConnectionOptions;
  readonly concurrency: number;
  /**
   * BullMQ job lock. A runner renews it every lockMs/2 while a turn runs; when a runner dies, another
   * runner's stall check (every lockMs/2) finds the expired lock within about 1.5 × lockMs and redelivers
   * the job, and `processTurn` takes the turn over (or ends it `runner_lost`).
   */
  readonly lockMs: number;
  readonly name?: string;
}

export type TurnJobHandler = (job: TurnJob) => Promise<unknown>;
export type InvalidJobHandler = (jobId: string | undefined, reason: string) => void;

/**
 * How many BullMQ workers share a runner's concurrency. One BullMQ worker fetches jobs one after another
 * (a round trip each), so 1,000 turns arriving at once would start over seconds; several fetch in parallel.
 */
export function fetchersFor(concurrency: number): number {
  return Math.min(16, Math.max(1, Math.ceil(concurrency / 64)));
}

/**
 * The runner's side of the queue: BullMQ workers that validate each job at the boundary. An invalid job fails
 * for good (`UnrecoverableError`: no retry, kept with the failed jobs for inspection) instead of counting as done.
 */
export class TurnWorker {
  private readonly workers: Worker[];

  constructor(options: TurnWorkerOptions, handler: TurnJobHandler, onInvalid: InvalidJobHandler) {
    const fetchers = fetchersFor(options.concurrency);
    const per = Math.ceil(options.concurrency / fetchers);
    this.workers = Array.from({ length: fetchers }, () => this.makeWorker(options, per, handler, onInvalid));
  }

  private makeWorker(
    options: TurnWorkerOptions,
    concurrency: number,
    handler: TurnJobHandler,
    onInvalid: InvalidJobHandler,
  ): Worker {
    return new Worker(
      TURN_QUEUE_NAME,
      async (job) => {
        const parsed = TurnJob.safeParse(job.data);
        if (!parsed.success) {
          const reason = parsed.error.issues[0]?.message ?? "invalid job";
          onInvalid(job.id, reason);
          throw new UnrecoverableError(`invalid turn job: ${reason}`);
        }
        return await handler(parsed.data);
      },
      {
        connection: options.connection,
        prefix: queuePrefix(options.prefix),
        concurrency,
        lockDuration: options.lockMs,
        stalledInterval: Math.max(1_000, Math.floor(options.lockMs / 2)),
        maxStalledCount: 1,
        ...(options.name !== undefined ? { name: options.name } : {}),
        autorun: true,
      },
    );
  }

  on(event: "error" | "failed", listener: (err: Error) => void): void {
    for (const worker of this.workers) {
      if (event === "error") worker.on("error", listener);
      else worker.on("failed", (_job, err) => listener(err));
    }
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /** Stops taking turns; waits for the ones in flight (BullMQ's graceful close). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
