import type { TurnJob } from "@acb/schemas";
import { afterEach, describe, expect, it } from "vitest";
import { freshPrefix } from "../../__tests__/redis.js";
import { newTurnId } from "../../ids.js";
import type { TurnHandler, TurnQueue } from "../types.js";
import type { RedisClient } from "../../redis-connection.js";
import { BullTurnQueue } from "../redis.js";
import { TurnWorker } from "../worker.js";

export interface QueueHarness {
  /** A queue whose turns are executed by `handler` (in-process, or by a worker on the other side). */
  make(handler: TurnHandler): Promise<{ queue: TurnQueue; close(): Promise<void> }>;
}

export const testJob = (turnId = newTurnId()): TurnJob => ({
  v: 1,
  turn_id: turnId,
  session_id: "s",
  mode: "chat",
  input: "hi",
  options: {},
  enqueued_at: Date.now(),
  deadline_at: Date.now() + 60_000,
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One suite for every TurnQueue adapter: in-process (embedded mode) and BullMQ (distributed). */
export function describeTurnQueueContract(name: string, harness: () => QueueHarness): void {
  describe(`TurnQueue contract: ${name}`, () => {
    const opened: Array<{ close(): Promise<void> }> = [];
    afterEach(async () => {
      for (const o of opened.splice(0)) await o.close();
    });

    it("runs each turn id once, however often it is enqueued while it waits or runs", async () => {
      const ran: string[] = [];
      let release: (() => void) | undefined;
      const gate = new Promise<void>((r) => (release = r));
      const made = await harness().make(async (j) => {
        ran.push(j.turn_id);
        await gate;
      });
      opened.push(made);
      const j = testJob();
      await made.queue.enqueue(j);
      await made.queue.enqueue(j);
      await made.queue.enqueue(testJob());
      await made.queue.enqueue(j);
      await until(() => ran.length >= 2, "both turns to start");
      release?.();
      await new Promise((r) => setTimeout(r, 200));
      expect(ran.length).toBe(2);
      expect(ran.filter((id) => id === j.turn_id).length).toBe(1);
    });

    it("hands the job over intact", async () => {
      const seen: TurnJob[] = [];
      const made = await harness().make(async (j) => void seen.push(j));
      opened.push(made);
      const j = {
        ...testJob(),
        mode: "agent" as const,
        input: "line1\nhéllo 🌍",
        options: { model: "m", temperature: 0.5 },
      };
      await made.queue.enqueue(j);
      await until(() => seen.length === 1, "the job");
      expect(seen[0]).toEqual(j);
    });

    it("reports a worker while one is running", async () => {
      const made = await harness().make(async () => undefined);
      opened.push(made);
      expect(await made.queue.workers()).toBeGreaterThanOrEqual(1);
    });
  });
}

/** BullMQ on whatever `connect` reaches (one Redis or a Cluster): a queue and a worker, each on its own connection. */
export function bullQueueHarness(connect: () => RedisClient): QueueHarness {
  return {
    make: async (handler) => {
      const prefix = freshPrefix("q");
      const queue = new BullTurnQueue({ prefix, connection: connect() });
      const worker = new TurnWorker(
        { prefix, connection: connect(), concurrency: 4, lockMs: 5_000 },
        handler,
        () => undefined,
      );
      await worker.waitUntilReady();
      return {
        queue,
        close: async () => {
          await worker.close();
          await queue.close();
        },
      };
    },
  };
}
