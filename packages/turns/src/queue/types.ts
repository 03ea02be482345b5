import type { TurnJob } from "@acb/schemas";

/** Hands turns to whoever executes them. Enqueueing the same turn id twice is harmless. */
export interface TurnQueue {
  enqueue(job: TurnJob): Promise<void>;
  /** Runners that have been seen recently (for /readiness); embedded mode reports its in-process worker. */
  workers(): Promise<number>;
  close(): Promise<void>;
}

/** Executes one turn taken from a queue. */
export type TurnHandler = (job: TurnJob) => Promise<void>;
