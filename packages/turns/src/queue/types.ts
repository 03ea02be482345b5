import type { TurnJob } from "@acb/schemas";

/** Hands turns to whoever executes them. Enqueueing the same turn id twice is harmless. */
export interface TurnQueue {
  enqueue(job: TurnJob): Promise<void>;
  /** Runners that have been seen recently (for /readiness); embedded mode reports its in-process worker. */
  workers(): Promise<number>;
  /** Whether the queue still holds the turn's job (waiting, running or kept after it finished); optional. */
  has?(turnId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Executes one turn taken from a queue. */
export type TurnHandler = (job: TurnJob) => Promise<void>;
