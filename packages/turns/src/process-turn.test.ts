import type { TurnJob } from "@acb/schemas";
import { describe, expect, it } from "vitest";
import { newTurnId } from "./ids.js";
import { InMemoryTurnCanceller, InMemoryTurnEventLog } from "./memory.js";
import { processTurn, TurnCancelledError, TurnTimeoutError, type TurnFailure } from "./worker.js";

const job = (timeoutMs = 5_000): TurnJob => ({
  v: 1,
  turn_id: newTurnId(),
  session_id: "sess-1",
  mode: "chat",
  input: "hi",
  options: {},
  enqueued_at: Date.now(),
  deadline_at: Date.now() + timeoutMs,
});

const describeError = (err: unknown): TurnFailure =>
  err instanceof TurnTimeoutError ? { code: "timeout", message: err.message } : err instanceof TurnCancelledError ? { code: "aborted", message: err.message } : { code: "internal", message: "failed" };

describe("processTurn", () => {
  it("appends the executor's events and then done with the session id", async () => {
    const eventLog = new InMemoryTurnEventLog();
    const j = job();
    const outcome = await processTurn(j, {
      eventLog,
      describeError,
      execute: async (_job, ctx) => {
        await ctx.emit({ event: "token", data: "a" });
        await ctx.emit({ event: "token", data: "b" });
      },
    });
    expect(outcome).toBe("completed");
    expect((await eventLog.read(j.turn_id, "0")).map((e) => e.event)).toEqual([
      { event: "token", data: "a" },
      { event: "token", data: "b" },
      { event: "done", data: "sess-1" },
    ]);
  });

  it("a failing executor ends the log with error then done, without leaking the thrown message", async () => {
    const eventLog = new InMemoryTurnEventLog();
    const j = job();
    const outcome = await processTurn(j, {
      eventLog,
      describeError,
      execute: async (_job, ctx) => {
        await ctx.emit({ event: "token", data: "partial" });
        throw new Error("/home/secret/path exploded");
      },
    });
    expect(outcome).toBe("failed");
    const events = (await eventLog.read(j.turn_id, "0")).map((e) => e.event);
    expect(events.map((e) => e.event)).toEqual(["token", "error", "done"]);
    expect(JSON.stringify(events)).not.toContain("/home/secret");
  });

  it("an executor that ignores its signal is cut off at the deadline", async () => {
    const eventLog = new InMemoryTurnEventLog();
    const j = job(200);
    const started = Date.now();
    await processTurn(j, { eventLog, describeError, execute: () => new Promise(() => undefined) });
    expect(Date.now() - started).toBeLessThan(2_000);
    const events = (await eventLog.read(j.turn_id, "0")).map((e) => e.event);
    expect(events).toEqual([
      { event: "error", data: "the turn did not finish within 0 s", code: "timeout" },
      { event: "done", data: "sess-1" },
    ]);
  });

  it("cancel aborts the executor's signal", async () => {
    const eventLog = new InMemoryTurnEventLog();
    const canceller = new InMemoryTurnCanceller();
    const j = job();
    let sawAbort = false;
    const run = processTurn(j, {
      eventLog,
      describeError,
      canceller,
      execute: (_job, ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener("abort", () => {
            sawAbort = true;
            reject(new Error("aborted"));
          });
        }),
    });
    await new Promise((r) => setTimeout(r, 20));
    await canceller.cancel(j.turn_id);
    await run;
    expect(sawAbort).toBe(true);
    expect((await eventLog.read(j.turn_id, "0")).map((e) => e.event.event)).toEqual(["error", "done"]);
  });

  it("a redelivered job whose log already ended is not run again", async () => {
    const eventLog = new InMemoryTurnEventLog();
    const j = job();
    let runs = 0;
    const deps = { eventLog, describeError, execute: async () => void (runs += 1) };
    await processTurn(j, deps);
    expect(await processTurn(j, deps)).toBe("already_finished");
    expect(runs).toBe(1);
    expect((await eventLog.read(j.turn_id, "0")).filter((e) => e.event.event === "done").length).toBe(1);
  });
});

describe("processTurn after a runner died mid-turn", () => {
  it("ends a half-streamed turn with runner_lost instead of repeating its tokens", async () => {
    const eventLog = new InMemoryTurnEventLog();
    const j = job();
    await eventLog.append(j.turn_id, { event: "token", data: "half" });
    let runs = 0;
    expect(await processTurn(j, { eventLog, describeError, execute: async () => void (runs += 1) })).toBe("failed");
    expect(runs).toBe(0);
    const events = (await eventLog.read(j.turn_id, "0")).map((e) => e.event);
    expect(events.map((e) => e.event)).toEqual(["token", "error", "done"]);
    expect(events[1]).toMatchObject({ code: "runner_lost" });
  });
});
