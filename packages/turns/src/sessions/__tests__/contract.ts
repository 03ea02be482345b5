import type { TurnJob } from "@acb/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTurnId } from "../../ids.js";
import type { SessionTurns } from "../types.js";

export interface SessionTurnsHarness {
  /** Two handles on one shared store (a gateway's and a runner's), with the given grace past a turn's deadline. */
  make(graceMs: number): Promise<[SessionTurns, SessionTurns]>;
}

const job = (deadlineInMs = 60_000): TurnJob => ({
  v: 1,
  turn_id: newTurnId(),
  session_id: "s",
  mode: "chat",
  input: "hi",
  options: {},
  enqueued_at: Date.now(),
  deadline_at: Date.now() + deadlineInMs,
});
const session = (): string => `sess-${Math.random().toString(36).slice(2, 10)}`;

/** One suite for every SessionTurns adapter: memory and Redis. */
export function describeSessionTurnsContract(name: string, harness: () => SessionTurnsHarness): void {
  describe(`SessionTurns contract: ${name}`, () => {
    let gateway: SessionTurns;
    let runner: SessionTurns;
    beforeAll(async () => {
      [gateway, runner] = await harness().make(200);
    });
    afterAll(async () => {
      await gateway.close();
      await runner.close();
    });

    it("runs the first turn, queues the rest in order, and hands each on when the previous finishes", async () => {
      const s = session();
      const [a, b, c] = [job(), job(), job()];
      expect(await gateway.submit(s, a, "enqueue")).toEqual({ status: "run" });
      expect(await gateway.submit(s, b, "enqueue")).toEqual({ status: "queued", active: a.turn_id });
      expect(await gateway.submit(s, c, "enqueue")).toEqual({ status: "queued", active: a.turn_id });
      expect(await runner.active(s)).toBe(a.turn_id);
      expect((await runner.finish(s, a.turn_id))?.turn_id).toBe(b.turn_id);
      expect(await runner.finish(s, a.turn_id)).toBeUndefined(); // idempotent
      expect(await gateway.active(s)).toBe(b.turn_id);
      expect((await runner.finish(s, b.turn_id))?.turn_id).toBe(c.turn_id);
      expect(await runner.finish(s, c.turn_id)).toBeUndefined();
      expect(await gateway.active(s)).toBeUndefined();
      const d = job();
      expect(await gateway.submit(s, d, "enqueue")).toEqual({ status: "run" });
    });

    it("keeps sessions apart, and remembers which session a turn belongs to", async () => {
      const [s1, s2] = [session(), session()];
      const [a, b] = [job(), job()];
      expect(await gateway.submit(s1, a, "enqueue")).toEqual({ status: "run" });
      expect(await gateway.submit(s2, b, "enqueue")).toEqual({ status: "run" });
      expect(await runner.sessionOf(a.turn_id)).toBe(s1);
      expect(await runner.sessionOf(b.turn_id)).toBe(s2);
      expect(await runner.sessionOf(newTurnId())).toBeUndefined();
    });

    it("reject answers busy with the active turn and records nothing", async () => {
      const s = session();
      const [a, b] = [job(), job()];
      await gateway.submit(s, a, "enqueue");
      expect(await gateway.submit(s, b, "reject")).toEqual({ status: "busy", active: a.turn_id });
      expect(await runner.finish(s, a.turn_id)).toBeUndefined();
      expect(await gateway.submit(s, b, "reject")).toEqual({ status: "run" });
    });

    it("interrupt and rollback wait at the front of the line", async () => {
      const s = session();
      const [a, b, c] = [job(), job(), job()];
      await gateway.submit(s, a, "enqueue");
      await gateway.submit(s, b, "enqueue");
      expect(await gateway.submit(s, c, "interrupt")).toEqual({ status: "queued", active: a.turn_id });
      expect((await runner.finish(s, a.turn_id))?.turn_id).toBe(c.turn_id);
      expect((await runner.finish(s, c.turn_id))?.turn_id).toBe(b.turn_id);
    });

    it("withdraws a waiting turn (a cancel before it ran), never the active one", async () => {
      const s = session();
      const [a, b, c] = [job(), job(), job()];
      await gateway.submit(s, a, "enqueue");
      await gateway.submit(s, b, "enqueue");
      await gateway.submit(s, c, "enqueue");
      expect((await gateway.withdraw(s, b.turn_id))?.turn_id).toBe(b.turn_id);
      expect(await gateway.withdraw(s, b.turn_id)).toBeUndefined();
      expect(await gateway.withdraw(s, a.turn_id)).toBeUndefined();
      expect((await runner.finish(s, a.turn_id))?.turn_id).toBe(c.turn_id);
    });

    it("a crashed active turn blocks its session only until its deadline + grace; then the oldest waiting turn is promoted", async () => {
      const s = session();
      const crashed = job(100);
      const waiting = job();
      const late = job();
      await gateway.submit(s, crashed, "enqueue");
      await gateway.submit(s, waiting, "enqueue");
      expect(await gateway.active(s)).toBe(crashed.turn_id);
      await new Promise((r) => setTimeout(r, 100 + 200 + 50));
      expect(await gateway.active(s)).toBeUndefined();
      const admitted = await gateway.submit(s, late, "enqueue");
      expect(admitted).toMatchObject({ status: "queued", active: waiting.turn_id });
      expect(admitted.status === "queued" ? admitted.promoted?.turn_id : undefined).toBe(waiting.turn_id);
      // The crashed turn's ender, arriving late, changes nothing.
      expect(await runner.finish(s, crashed.turn_id)).toBeUndefined();
      expect((await runner.finish(s, waiting.turn_id))?.turn_id).toBe(late.turn_id);
    });

    it("concurrent submits to one idle session admit exactly one turn to run", async () => {
      const s = session();
      const jobs = Array.from({ length: 20 }, () => job());
      const results = await Promise.all(jobs.map((j, i) => (i % 2 === 0 ? gateway : runner).submit(s, j, "enqueue")));
      expect(results.filter((r) => r.status === "run")).toHaveLength(1);
      // Finishing them one by one hands out every other turn exactly once.
      const ran = new Set<string>();
      let current = jobs[results.findIndex((r) => r.status === "run")]?.turn_id;
      while (current !== undefined) {
        ran.add(current);
        current = (await runner.finish(s, current))?.turn_id;
      }
      expect(ran.size).toBe(20);
    });
  });
}
