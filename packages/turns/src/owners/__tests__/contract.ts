import { describe, expect, it } from "vitest";
import { useAdapter } from "../../__tests__/adapter.js";
import { newTurnId } from "../../ids.js";
import type { TurnOwners } from "../types.js";

/** One suite for every TurnOwners adapter: memory (embedded mode) and Redis (distributed). */
export function describeTurnOwnersContract(name: string, make: () => Promise<TurnOwners>): void {
  describe(`TurnOwners contract: ${name}`, () => {
    const owners = useAdapter(make);

    it("returns the owner recorded for a turn, and nothing for a turn never recorded", async () => {
      const turn = newTurnId();
      expect(await owners().claim(turn, "t.acme", 60_000)).toBe(true);
      expect(await owners().ownerOf(turn)).toBe("t.acme");
      expect(await owners().ownerOf(newTurnId())).toBeUndefined();
    });

    it("first claim wins: another owner cannot take a recorded turn over", async () => {
      const turn = newTurnId();
      await owners().claim(turn, "t.acme", 60_000);
      expect(await owners().claim(turn, "t.globex", 60_000)).toBe(false);
      expect(await owners().ownerOf(turn)).toBe("t.acme");
    });

    it("keeps owners of different turns apart", async () => {
      const [a, b] = [newTurnId(), newTurnId()];
      await Promise.all([owners().claim(a, "one", 60_000), owners().claim(b, "two", 60_000)]);
      expect([await owners().ownerOf(a), await owners().ownerOf(b)]).toEqual(["one", "two"]);
    });

    it("forgets an owner after its ttl", async () => {
      const turn = newTurnId();
      await owners().claim(turn, "t.acme", 150);
      await new Promise((r) => setTimeout(r, 400));
      expect(await owners().ownerOf(turn)).toBeUndefined();
    });
  });
}
