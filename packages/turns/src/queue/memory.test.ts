import { describe, expect, it } from "vitest";
import { describeTurnQueueContract, testJob as job } from "./__tests__/contract.js";
import { InProcessTurnQueue } from "./memory.js";

describeTurnQueueContract("in-process", () => ({
  make: async (handler) => {
    const queue = new InProcessTurnQueue(handler, { concurrency: 4 });
    return { queue, close: () => queue.close() };
  },
}));

describe("InProcessTurnQueue", () => {
  it("runs each turn id once, however often it is enqueued", async () => {
    const ran: string[] = [];
    const queue = new InProcessTurnQueue(
      async (j) => {
        ran.push(j.turn_id);
      },
      { concurrency: 4 },
    );
    const j = job();
    await queue.enqueue(j);
    await queue.enqueue(j);
    await queue.enqueue(job());
    await queue.close();
    expect(ran.length).toBe(2);
    expect(ran.filter((id) => id === j.turn_id).length).toBe(1);
  });

  it("bounds concurrency and survives a failing handler", async () => {
    let active = 0;
    let peak = 0;
    let done = 0;
    const queue = new InProcessTurnQueue(
      async (j) => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 10));
        active -= 1;
        done += 1;
        if (j.input === "boom") throw new Error("boom");
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 12; i++) await queue.enqueue({ ...job(), input: i % 4 === 0 ? "boom" : "ok" });
    await queue.close();
    expect(done).toBe(12);
    expect(peak).toBe(3);
  });

  it("refuses new turns once closed", async () => {
    const queue = new InProcessTurnQueue(async () => undefined);
    await queue.close();
    await expect(queue.enqueue(job())).rejects.toThrow();
    expect(await queue.workers()).toBe(0);
  });
});
