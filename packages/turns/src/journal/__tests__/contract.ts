import { describe, expect, it } from "vitest";
import { newTurnId } from "../../ids.js";
import type { TurnJournal } from "../types.js";

/** One suite for every TurnJournal adapter: memory and Redis. `make` returns two views of one store (two runners). */
export function describeJournalContract(name: string, make: () => [TurnJournal, TurnJournal]): void {
  describe(`TurnJournal contract: ${name}`, () => {
    it("what one runner records, another reads back, per turn", async () => {
      const [dying, taker] = make();
      const turn = newTurnId();
      const other = newTurnId();
      await dying.record(turn, "m:0", '{"a":1}');
      await dying.record(turn, "t:call_1", "result ✓ with\nnewlines");
      await dying.record(other, "m:0", "other turn");
      expect(Object.fromEntries(await taker.entries(turn))).toEqual({
        "m:0": '{"a":1}',
        "t:call_1": "result ✓ with\nnewlines",
      });
      expect(Object.fromEntries(await taker.entries(other))).toEqual({ "m:0": "other turn" });
    });

    it("an unknown turn has no entries; a cleared turn has none again; writing a field again replaces it", async () => {
      const [a, b] = make();
      const turn = newTurnId();
      expect((await b.entries(turn)).size).toBe(0);
      await a.record(turn, "m:0", "first");
      await a.record(turn, "m:0", "second");
      expect((await b.entries(turn)).get("m:0")).toBe("second");
      await b.clear(turn);
      expect((await a.entries(turn)).size).toBe(0);
    });

    it("a returned map is a copy: changing it changes nothing recorded", async () => {
      const [a] = make();
      const turn = newTurnId();
      await a.record(turn, "m:0", "x");
      (await a.entries(turn)).set("m:1", "y");
      expect([...(await a.entries(turn)).keys()]).toEqual(["m:0"]);
    });
  });
}
