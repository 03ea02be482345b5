import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTurnId } from "../../ids.js";
import type { TurnCanceller } from "../types.js";

export interface CancellerHarness {
  /** Two cancellers on one shared medium: a gateway's and a runner's. */
  make(): Promise<[TurnCanceller, TurnCanceller]>;
}

async function until(condition: () => boolean): Promise<void> {
  const started = Date.now();
  while (!condition() && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 5));
}

/** One suite for every TurnCanceller adapter: memory and Redis. */
export function describeCancellerContract(name: string, harness: () => CancellerHarness): void {
  describe(`TurnCanceller contract: ${name}`, () => {
    let runner: TurnCanceller;
    let gateway: TurnCanceller;
    beforeAll(async () => {
      [runner, gateway] = await harness().make();
    });
    afterAll(async () => {
      await runner.close();
      await gateway.close();
    });

    it("aborts a watcher now, and one that starts watching after the cancel", async () => {
      const turn = newTurnId();
      let now = 0;
      await runner.watch(turn, () => (now += 1));
      await gateway.cancel(turn);
      await until(() => now > 0);
      expect(now).toBe(1);
      let later = 0;
      await runner.watch(turn, () => (later += 1));
      expect(later).toBe(1);
    });

    it("carries the cancel mode to watchers now and later (default interrupt)", async () => {
      const turn = newTurnId();
      // A watcher may hear a cancel twice (the remembered one and the live message): the mode is what counts.
      const modes = { now: new Set<string>(), later: new Set<string>(), plain: new Set<string>() };
      await runner.watch(turn, (mode) => modes.now.add(mode));
      await gateway.cancel(turn, "rollback");
      await until(() => modes.now.size > 0);
      await runner.watch(turn, (mode) => modes.later.add(mode));
      const plain = newTurnId();
      await gateway.cancel(plain);
      await runner.watch(plain, (mode) => modes.plain.add(mode));
      await new Promise((r) => setTimeout(r, 50));
      expect({ now: [...modes.now], later: [...modes.later], plain: [...modes.plain] }).toEqual({
        now: ["rollback"],
        later: ["rollback"],
        plain: ["interrupt"],
      });
    });

    it("touches only the cancelled turn, and not a watcher that unsubscribed", async () => {
      const turn = newTurnId();
      const other = newTurnId();
      let left = 0;
      let bystander = 0;
      let watching = 0;
      const unwatch = await runner.watch(turn, () => (left += 1));
      await runner.watch(other, () => (bystander += 1));
      await runner.watch(turn, () => (watching += 1));
      unwatch();
      await gateway.cancel(turn);
      await until(() => watching > 0);
      await new Promise((r) => setTimeout(r, 50));
      expect({ left, bystander, watching }).toEqual({ left: 0, bystander: 0, watching: 1 });
    });
  });
}
