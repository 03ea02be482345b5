import type { TurnJob } from "@acb/schemas";
import { describe, expect, it } from "vitest";
import { newTurnId } from "./ids.js";
import { InMemoryTurnEventLog, InProcessTurnQueue } from "./memory.js";
import { describeEventLogContract } from "./test/event-log-contract.js";

describeEventLogContract("memory", () => ({
  make: async (options) => new InMemoryTurnEventLog(options),
  teardown: async () => undefined,
}));

const job = (turnId = newTurnId()): TurnJob => ({
  v: 1,
  turn_id: turnId,
  session_id: "s",
  mode: "chat",
  input: "hi",
  options: {},
  enqueued_at: Date.now(),
  deadline_at: Date.now() + 10_000,
});

describe("InProcessTurnQueue", () => {
  it("runs each turn id once, however often it is enqueued", async () => {
    const ran: string[] = [];
    const queue = new InProcessTurnQueue(async (j) => {
      ran.push(j.turn_id);
    }, 4);
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
    const queue = new InProcessTurnQueue(async (j) => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 10));
      active -= 1;
      done += 1;
      if (j.input === "boom") throw new Error("boom");
    }, 3);
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

describe("entry ids", () => {
  it("compare as numbers, not as text", async () => {
    const { compareEntryIds } = await import("./ids.js");
    expect(compareEntryIds("9-0", "10-0")).toBe(-1);
    expect(compareEntryIds("10-2", "10-10")).toBe(-1);
    expect(compareEntryIds("0", "1-0")).toBe(-1);
    expect(compareEntryIds("0", "0-0")).toBe(0);
    expect(compareEntryIds("1700000000000-5", "1700000000000-5")).toBe(0);
    expect(compareEntryIds("1700000000001-0", "1700000000000-99")).toBe(1);
  });
});
