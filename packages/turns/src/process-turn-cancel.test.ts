import type { TurnJob } from "@acb/schemas";
import { describe, expect, it } from "vitest";
import { InMemoryTurnCanceller } from "./cancel/memory.js";
import { InMemoryTurnEventLog } from "./event-log/memory.js";
import { newTurnId } from "./ids.js";
import { processTurn } from "./process-turn.js";
import { InProcessTurnQueue } from "./queue/memory.js";
import { sessionOrdered } from "./sessions/handoff.js";
import { InMemorySessionTurns } from "./sessions/memory.js";
import { TurnCancelledError } from "./turn-errors.js";

const job = (over: Partial<TurnJob> = {}): TurnJob => ({
  v: 1,
  turn_id: newTurnId(),
  session_id: "sess-1",
  mode: "chat",
  input: "hi",
  options: {},
  enqueued_at: Date.now(),
  deadline_at: Date.now() + 5_000,
  ...over,
});

describe("processTurn and cancel", () => {
  it("the executor sees the cancel mode; events emitted after the abort are dropped; the turn ends error(cancelled) + done", async () => {
    const eventLog = new InMemoryTurnEventLog();
    const canceller = new InMemoryTurnCanceller();
    const j = job();
    let reason: unknown;
    const run = processTurn(j, {
      eventLog,
      canceller,
      execute: async (_job, ctx) => {
        await ctx.emit({ event: "token", data: "seen " });
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        reason = ctx.signal.reason;
        await ctx.emit({ event: "token", data: "too late" });
      },
    });
    await new Promise((r) => setTimeout(r, 20));
    await canceller.cancel(j.turn_id, "rollback");
    await run;
    expect(reason).toBeInstanceOf(TurnCancelledError);
    expect((reason as TurnCancelledError).mode).toBe("rollback");
    expect((await eventLog.read(j.turn_id, "0")).map((e) => e.event)).toEqual([
      { event: "token", data: "seen " },
      { event: "error", data: "the turn was cancelled", code: "cancelled" },
      { event: "done", data: "sess-1" },
    ]);
  });

  it("a cancelled turn is over only once its executor let go (it may be committing the interrupted answer)", async () => {
    const eventLog = new InMemoryTurnEventLog();
    const canceller = new InMemoryTurnCanceller();
    const j = job();
    let committed = false;
    const run = processTurn(j, {
      eventLog,
      canceller,
      execute: async (_job, ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        await new Promise((r) => setTimeout(r, 100));
        committed = true;
        throw new Error("aborted");
      },
    });
    await new Promise((r) => setTimeout(r, 20));
    await canceller.cancel(j.turn_id);
    await run;
    expect(committed).toBe(true);
  });
});

describe("sessionOrdered", () => {
  it("hands the session to its next turn whatever the handler did, and stateless turns skip the order", async () => {
    const sessions = new InMemorySessionTurns({ graceMs: 1_000 });
    const ran: string[] = [];
    const queue: InProcessTurnQueue = new InProcessTurnQueue((j) => handler(j), { concurrency: 4 });
    const handler = sessionOrdered(
      async (j: TurnJob) => {
        ran.push(j.input);
        await new Promise((r) => setTimeout(r, 10));
        if (j.input === "b") throw new Error("boom");
      },
      { sessions, queue },
    );
    const [a, b, c] = [job({ input: "a" }), job({ input: "b" }), job({ input: "c" })];
    for (const j of [a, b, c])
      if ((await sessions.submit("sess-1", j, "enqueue")).status === "run") await queue.enqueue(j);
    const stateless = job({ input: "s", messages: [] });
    await queue.enqueue(stateless);
    const started = Date.now();
    while (ran.length < 4 && Date.now() - started < 2_000) await new Promise((r) => setTimeout(r, 5));
    await queue.close();
    expect(ran.filter((x) => x !== "s")).toEqual(["a", "b", "c"]);
    expect(await sessions.active("sess-1")).toBeUndefined();
  });
});
