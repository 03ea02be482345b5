import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { freshPrefix, usePrivateRedis } from "../__tests__/redis.js";
import { queuePrefix, TURN_QUEUE_NAME } from "../keys.js";
import { bullQueueHarness, describeTurnQueueContract, testJob as job } from "./__tests__/contract.js";
import { BullTurnQueue } from "./redis.js";
import { TurnWorker } from "./worker.js";

const { connect } = usePrivateRedis();

describeTurnQueueContract("bullmq", () => bullQueueHarness(connect));

describe("BullTurnQueue", () => {
  it("enqueues with jobId = turn id, so a repeated enqueue is harmless", async () => {
    const queue = new BullTurnQueue({ prefix: "q1:", connection: connect() });
    const j = job();
    await queue.enqueue(j);
    await queue.enqueue(j);
    const counts = await queue.counts();
    expect(counts.waiting).toBe(1);
    await queue.close();
  });
});

describe("TurnWorker", () => {
  it("fails an invalid job for good (not completed, not retried) and reports it, without calling the handler", async () => {
    const prefix = freshPrefix("q");
    // A job that did not come through BullTurnQueue: wrong shape, and room for retries it must not get.
    const raw = new Queue(TURN_QUEUE_NAME, { connection: connect(), prefix: queuePrefix(prefix) });
    const added = await raw.add("chat", { v: 1, turn_id: "../../etc", input: 42 }, { attempts: 3 });
    const invalid: Array<{ id: string | undefined; reason: string }> = [];
    let handled = 0;
    const failed: Error[] = [];
    const worker = new TurnWorker(
      { prefix, connection: connect(), concurrency: 1, lockMs: 5_000 },
      async () => void (handled += 1),
      (id, reason) => invalid.push({ id, reason }),
    );
    worker.on("failed", (err) => failed.push(err));
    try {
      const started = Date.now();
      while ((await raw.getJobState(added.id ?? "")) !== "failed") {
        expect(Date.now() - started).toBeLessThan(10_000);
        await new Promise((r) => setTimeout(r, 20));
      }
      const job = await raw.getJob(added.id ?? "");
      expect(job?.attemptsMade).toBe(1);
      expect(job?.failedReason).toMatch(/^invalid turn job: /);
      expect(invalid).toEqual([{ id: added.id, reason: expect.any(String) }]);
      expect(failed.map((e) => e.name)).toEqual(["UnrecoverableError"]);
      expect(handled).toBe(0);
      expect(await raw.getJobCounts("completed", "waiting", "delayed")).toEqual({
        completed: 0,
        waiting: 0,
        delayed: 0,
      });
    } finally {
      await worker.close();
      await raw.close();
    }
  });
});
