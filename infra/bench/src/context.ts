import type { Redis } from "ioredis";
import type { Stack } from "./procs.js";

export interface BenchContext {
  readonly stack: Stack;
  readonly quick: boolean;
  readonly redisUrl: string;
  /** An admin connection of the bench (CLIENT LIST, FLUSHDB, appends). */
  readonly admin: Redis;
  readonly upstreamUrl: string;
  log(message: string): void;
  /** pid → what it is, for naming CPU profiles. */
  readonly roles: Map<number, string>;
  /** Things that went wrong without breaking the harness (failed warm-ups, dropped events), reported with the results. */
  readonly warnings: string[];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
