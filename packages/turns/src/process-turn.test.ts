import { turnJob as job } from "@acb/testkit";
import { describe, expect, it } from "vitest";
import { cancelMidTurn, runTurn } from "./__tests__/process.js";
import { InMemoryTurnEventLog } from "./event-log/memory.js";
import { processTurn } from "./process-turn.js";
import {
  describeTurnFailure,
  RunnerShutdownError,
  TurnCancelledError,
  TurnFailedError,
  TurnTimeoutError,
} from "./turn-errors.js";

describe("processTurn", () => {
  it("appends the executor's events and then done with the session id", async () => {
    const { outcome, events } = await runTurn(async (_job, ctx) => {
      await ctx.emit({ event: "token", data: "a" });
      await ctx.emit({ event: "token", data: "b" });
    });
    expect(outcome).toBe("completed");
    expect(events).toEqual([
      { event: "token", data: "a" },
      { event: "token", data: "b" },
      { event: "done", data: "s1" },
    ]);
  });

  it("a failing executor ends the log with error then done, without leaking the thrown message", async () => {
    const { outcome, events } = await runTurn(async (_job, ctx) => {
      await ctx.emit({ event: "token", data: "partial" });
      throw new Error("/home/secret/path exploded");
    });
    expect(outcome).toBe("failed");
    expect(events.map((e) => e.event)).toEqual(["token", "error", "done"]);
    expect(JSON.stringify(events)).not.toContain("/home/secret");
  });

  it("an executor that ignores its signal is cut off at the deadline", async () => {
    const started = Date.now();
    const { events } = await runTurn(() => new Promise(() => undefined), job({ deadline_at: Date.now() + 200 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(events).toEqual([
      { event: "error", data: "the turn did not finish within 0 s", code: "timeout" },
      { event: "done", data: "s1" },
    ]);
  });

  it("cancel aborts the executor's signal", async () => {
    let sawAbort = false;
    const { events } = await cancelMidTurn(
      (_job, ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener("abort", () => {
            sawAbort = true;
            reject(new Error("aborted"));
          });
        }),
    );
    expect(sawAbort).toBe(true);
    expect(events.map((e) => e.event)).toEqual(["error", "done"]);
  });

  it("a redelivered job whose log already ended is not run again", async () => {
    const eventLog = new InMemoryTurnEventLog();
    const j = job();
    let runs = 0;
    const deps = { eventLog, execute: async () => void (runs += 1) };
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
    expect(await processTurn(j, { eventLog, execute: async () => void (runs += 1) })).toBe("failed");
    expect(runs).toBe(0);
    const events = (await eventLog.read(j.turn_id, "0")).map((e) => e.event);
    expect(events.map((e) => e.event)).toEqual(["token", "error", "done"]);
    expect(events[1]).toMatchObject({ code: "runner_lost" });
  });
});

describe("processTurn's error events", () => {
  it("maps its own turn errors and a TurnFailedError, and asks the caller only about unknown errors", async () => {
    const asked: unknown[] = [];
    const describeUnknownError = (err: unknown) => {
      asked.push(err);
      return { code: "upstream" as const, message: "the model provider failed" };
    };
    const run = async (thrown: unknown) => {
      const { events } = await runTurn(
        async () => {
          throw thrown;
        },
        job(),
        { describeUnknownError },
      );
      return events[0];
    };
    expect(await run(new TurnFailedError({ code: "rate_limited", message: "slow down" }))).toEqual({
      event: "error",
      data: "slow down",
      code: "rate_limited",
    });
    expect(await run(new RunnerShutdownError())).toMatchObject({ code: "runner_lost" });
    expect(asked).toEqual([]);
    const unknown = new Error("ENOENT /home/me/secret");
    expect(await run(unknown)).toEqual({ event: "error", data: "the model provider failed", code: "upstream" });
    expect(asked).toEqual([unknown]);
  });

  it("without a mapper, an unknown error is a generic internal error that leaks nothing", () => {
    expect(describeTurnFailure(new TurnTimeoutError(5_000))).toEqual({
      code: "timeout",
      message: "the turn did not finish within 5 s",
    });
    expect(describeTurnFailure(new TurnCancelledError()).code).toBe("cancelled");
    expect(describeTurnFailure(new RunnerShutdownError()).code).toBe("runner_lost");
    const internal = describeTurnFailure(new Error("ENOENT /home/me/secret"));
    expect(internal.code).toBe("internal");
    expect(internal.message).not.toContain("/home");
  });
});
