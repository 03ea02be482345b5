import type { TurnJob } from "@acb/schemas";
import { turnJob as job } from "@acb/testkit";
import { describe, expect, it } from "vitest";
import { cancelMidTurn } from "./__tests__/process.js";
import { InProcessTurnQueue } from "./queue/memory.js";
import { sessionOrdered } from "./sessions/handoff.js";
import { InMemorySessionTurns } from "./sessions/memory.js";
import { TurnCancelledError } from "./turn-errors.js";

describe("processTurn and cancel", () => {
  it("the executor sees the cancel mode; events emitted after the abort are dropped; the turn ends error(cancelled) + done", async () => {
    let reason: unknown;
    const { events } = await cancelMidTurn(async (_job, ctx) => {
      await ctx.emit({ event: "token", data: "seen " });
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      reason = ctx.signal.reason;
      await ctx.emit({ event: "token", data: "too late" });
    }, "rollback");
    expect(reason).toBeInstanceOf(TurnCancelledError);
    expect((reason as TurnCancelledError).mode).toBe("rollback");
    expect(events).toEqual([
      { event: "token", data: "seen " },
      { event: "error", data: "the turn was cancelled", code: "cancelled" },
      { event: "done", data: "s1" },
    ]);
  });

  it("a cancelled turn is over only once its executor let go (it may be committing the interrupted answer)", async () => {
    let committed = false;
    await cancelMidTurn(async (_job, ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      await new Promise((r) => setTimeout(r, 100));
      committed = true;
      throw new Error("aborted");
    });
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
    for (const j of [a, b, c]) if ((await sessions.submit("s1", j, "enqueue")).status === "run") await queue.enqueue(j);
    const stateless = job({ input: "s", messages: [] });
    await queue.enqueue(stateless);
    const started = Date.now();
    while (ran.length < 4 && Date.now() - started < 2_000) await new Promise((r) => setTimeout(r, 5));
    await queue.close();
    expect(ran.filter((x) => x !== "s")).toEqual(["a", "b", "c"]);
    expect(await sessions.active("s1")).toBeUndefined();
  });
});
