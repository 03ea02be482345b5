import type { LoggedTurnEvent, TurnEvent } from "@acb/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareEntryIds, newTurnId } from "../../ids.js";
import type { TurnEventLog } from "../types.js";

export interface EventLogHarness {
  /** A log whose terminal entries expire after `retentionMs`. */
  make(options: { retentionMs: number; maxLen: number }): Promise<TurnEventLog>;
  teardown(): Promise<void>;
}

async function collect(it: AsyncIterable<LoggedTurnEvent>): Promise<LoggedTurnEvent[]> {
  const out: LoggedTurnEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** One suite for every TurnEventLog adapter: memory (embedded mode) and Redis Streams (distributed). */
export function describeEventLogContract(name: string, harness: () => EventLogHarness): void {
  describe(`TurnEventLog contract: ${name}`, () => {
    let h: EventLogHarness;
    let log: TurnEventLog;
    beforeAll(async () => {
      h = harness();
      log = await h.make({ retentionMs: 60_000, maxLen: 10_000 });
    });
    afterAll(async () => {
      await log.close();
      await h.teardown();
    });

    it("appends events in order with increasing ids and reads them back", async () => {
      const turn = newTurnId();
      const ids: string[] = [];
      const add = async (e: TurnEvent): Promise<void> => {
        const id = await log.append(turn, e);
        if (id === undefined) throw new Error("append dropped an event of an open turn");
        ids.push(id);
      };
      for (let i = 0; i < 50; i++) await add({ event: "token", data: `t${i}` });
      await add({ event: "done", data: "s1" });
      for (let i = 1; i < ids.length; i++) expect(compareEntryIds(ids[i - 1] ?? "", ids[i] ?? "")).toBe(-1);
      const all = await log.read(turn, "0");
      expect(all.map((e) => e.id)).toEqual(ids);
      expect(all.map((e) => e.event.data).slice(0, 3)).toEqual(["t0", "t1", "t2"]);
      expect(all.at(-1)?.event).toEqual({ event: "done", data: "s1" });
    });

    it("reads strictly after an id, with a count", async () => {
      const turn = newTurnId();
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await log.append(turn, { event: "token", data: String(i) })) ?? "");
      const after = await log.read(turn, ids[3] ?? "", 4);
      expect(after.map((e) => e.event.data)).toEqual(["4", "5", "6", "7"]);
      expect(await log.read(turn, ids[9] ?? "")).toEqual([]);
    });

    it("keeps data exactly: newlines, unicode, empty strings, tool events, error codes", async () => {
      const turn = newTurnId();
      const events = [
        { event: "token", data: "line1\nline2\r\n\n" },
        { event: "token", data: "héllo 🌍 \u0000 end" },
        { event: "token", data: "" },
        { event: "tool_start", data: "files__list_dir" },
        { event: "tool_end", data: "files__list_dir" },
        { event: "error", data: "the model provider returned HTTP 500", code: "upstream" },
        { event: "done", data: "sess" },
      ] as const;
      for (const e of events) await log.append(turn, e);
      expect((await log.read(turn, "0")).map((e) => e.event)).toEqual(events);
    });

    it("follow yields live events as they are appended and ends after done", async () => {
      const turn = newTurnId();
      const seen = collect(log.follow(turn, "0", AbortSignal.timeout(10_000)));
      for (let i = 0; i < 20; i++) {
        await log.append(turn, { event: "token", data: String(i) });
        if (i % 5 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await log.append(turn, { event: "done", data: "s" });
      const events = await seen;
      expect(events.map((e) => e.event.data)).toEqual([...Array.from({ length: 20 }, (_, i) => String(i)), "s"]);
    });

    it("follow from an id resumes with exactly the missing events, none twice", async () => {
      const turn = newTurnId();
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await log.append(turn, { event: "token", data: String(i) })) ?? "");
      const seen = collect(log.follow(turn, ids[2] ?? "", AbortSignal.timeout(10_000)));
      await log.append(turn, { event: "token", data: "6" });
      await log.append(turn, { event: "done", data: "s" });
      expect((await seen).map((e) => e.event.data)).toEqual(["3", "4", "5", "6", "s"]);
    });

    it("follow of a finished turn replays and ends at once", async () => {
      const turn = newTurnId();
      await log.append(turn, { event: "token", data: "a" });
      await log.append(turn, { event: "done", data: "s" });
      const events = await collect(log.follow(turn, "0", AbortSignal.timeout(5_000)));
      expect(events.map((e) => e.event.event)).toEqual(["token", "done"]);
    });

    it("many followers of one turn each get every event once", async () => {
      const turn = newTurnId();
      const followers = Array.from({ length: 25 }, () => collect(log.follow(turn, "0", AbortSignal.timeout(10_000))));
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 30; i++) await log.append(turn, { event: "token", data: String(i) });
      await log.append(turn, { event: "done", data: "s" });
      for (const events of await Promise.all(followers))
        expect(events.map((e) => e.event.data).join(",")).toBe(
          [...Array.from({ length: 30 }, (_, i) => String(i)), "s"].join(","),
        );
    });

    it("follow stops when its signal aborts", async () => {
      const turn = newTurnId();
      const ac = new AbortController();
      const seen = collect(log.follow(turn, "0", ac.signal));
      await log.append(turn, { event: "token", data: "x" });
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
      const events = await seen;
      expect(events.map((e) => e.event.data)).toEqual(["x"]);
    });

    it("ends a turn once: events appended after done are dropped", async () => {
      const turn = newTurnId();
      expect(await log.append(turn, { event: "token", data: "a" })).toBeTypeOf("string");
      expect(await log.append(turn, { event: "done", data: "s" })).toBeTypeOf("string");
      expect(await log.append(turn, { event: "error", data: "late watchdog" })).toBeUndefined();
      expect(await log.append(turn, { event: "done", data: "s" })).toBeUndefined();
      expect((await log.read(turn, "0")).map((e) => e.event.event)).toEqual(["token", "done"]);
    });

    it("exists tells appended turns from unknown ones", async () => {
      const turn = newTurnId();
      expect(await log.exists(turn)).toBe(false);
      await log.append(turn, { event: "token", data: "x" });
      expect(await log.exists(turn)).toBe(true);
    });

    it("a finished turn expires after its retention, not before", async () => {
      const retentionMs = 150;
      const short = await h.make({ retentionMs, maxLen: 10_000 });
      try {
        const turn = newTurnId();
        await short.append(turn, { event: "token", data: "x" });
        await short.append(turn, { event: "done", data: "s" });
        const ended = Date.now();
        expect(await short.exists(turn)).toBe(true);
        // Poll instead of sleeping a fixed worst case: the log goes as soon as its retention is over.
        while (await short.exists(turn)) {
          expect(Date.now() - ended).toBeLessThan(5_000);
          await new Promise((r) => setTimeout(r, 10));
        }
        expect(Date.now() - ended).toBeGreaterThanOrEqual(retentionMs - 20);
        expect(await short.read(turn, "0")).toEqual([]);
      } finally {
        await short.close();
      }
    });

    it("trims a runaway turn to about maxLen entries", async () => {
      const small = await h.make({ retentionMs: 60_000, maxLen: 100 });
      try {
        const turn = newTurnId();
        for (let i = 0; i < 1_000; i++) await small.append(turn, { event: "token", data: String(i) });
        const kept = await small.read(turn, "0");
        expect(kept.length).toBeLessThan(400);
        expect(kept.length).toBeGreaterThanOrEqual(100);
        expect(kept.at(-1)?.event.data).toBe("999");
      } finally {
        await small.close();
      }
    });
  });
}
