import { describe, expect, it } from "vitest";
import { useAdapter } from "../../__tests__/adapter.js";
import { newTurnId } from "../../ids.js";
import type { AdmitRequest, LimitPolicy, TurnLimits } from "../types.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;
const bucket = (): string => `t.tenant-${process.pid}-${++n}`;
const request = (b: string, policy: LimitPolicy, over: Partial<AdmitRequest> = {}): AdmitRequest => ({
  bucket: b,
  turnId: newTurnId(),
  deadlineAt: Date.now() + 60_000,
  inputChars: 10,
  policy,
  ...over,
});

/** One suite for every TurnLimits adapter: memory (embedded mode) and Redis (distributed). */
export function describeTurnLimitsContract(name: string, make: () => Promise<TurnLimits>): void {
  describe(`TurnLimits contract: ${name}`, () => {
    const limits = useAdapter(make);

    it("admits everything when the policy sets no limit", async () => {
      const b = bucket();
      for (let i = 0; i < 50; i++) expect((await limits().admit(request(b, {}))).admitted).toBe(true);
    });

    it("turns per minute: the quota passes at once, the next is refused with the wait until one more fits", async () => {
      const b = bucket();
      const states = [];
      for (let i = 0; i < 3; i++) {
        const a = await limits().admit(request(b, { turnsPerMinute: 3 }));
        expect(a.admitted).toBe(true);
        states.push(a.states[0]?.remaining);
      }
      expect(states).toEqual([2, 1, 0]);
      const refused = await limits().admit(request(b, { turnsPerMinute: 3 }));
      expect(refused.admitted).toBe(false);
      if (refused.admitted) return;
      expect(refused.exceeded).toBe("turns");
      // One turn comes back every 20 s.
      expect(refused.retryAfterMs).toBeGreaterThan(15_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(20_000);
      expect(refused.states).toEqual([expect.objectContaining({ name: "turns", limit: 3, remaining: 0 })]);
      // Another bucket is not affected.
      expect((await limits().admit(request(bucket(), { turnsPerMinute: 3 }))).admitted).toBe(true);
    });

    it("input characters per minute: a turn that would overdraw is refused, a smaller one still fits", async () => {
      const b = bucket();
      const policy = { inputCharsPerMinute: 100 };
      expect((await limits().admit(request(b, policy, { inputChars: 60 }))).admitted).toBe(true);
      const refused = await limits().admit(request(b, policy, { inputChars: 50 }));
      expect(refused).toMatchObject({ admitted: false, exceeded: "input_chars" });
      expect((await limits().admit(request(b, policy, { inputChars: 40 }))).admitted).toBe(true);
    });

    it("concurrency: slots are held until released, a refusal consumes no rate quota", async () => {
      const b = bucket();
      const policy = { maxConcurrent: 2, turnsPerMinute: 10 };
      const [one, two] = [newTurnId(), newTurnId()];
      expect((await limits().admit(request(b, policy, { turnId: one }))).admitted).toBe(true);
      const second = await limits().admit(request(b, policy, { turnId: two }));
      expect(second.states.find((s) => s.name === "concurrent")?.remaining).toBe(0);
      const refused = await limits().admit(request(b, policy));
      expect(refused).toMatchObject({ admitted: false, exceeded: "concurrent" });
      if (!refused.admitted) expect(refused.retryAfterMs).toBeLessThanOrEqual(5_000);
      await limits().release(one);
      await limits().release(one);
      await limits().release(newTurnId());
      const after = await limits().admit(request(b, policy));
      expect(after.admitted).toBe(true);
      // 3 admitted, 1 refused: the refusal left the turn quota alone (10 - 3 = 7).
      expect(after.states.find((s) => s.name === "turns")?.remaining).toBe(7);
    });

    it("queued: a turn holds a queued place until started or released; a refusal consumes nothing", async () => {
      const b = bucket();
      const policy = { maxQueued: 2, turnsPerMinute: 10 };
      const [one, two, three, four] = [newTurnId(), newTurnId(), newTurnId(), newTurnId()];
      expect((await limits().admit(request(b, policy, { turnId: one }))).admitted).toBe(true);
      const second = await limits().admit(request(b, policy, { turnId: two }));
      expect(second.states.find((s) => s.name === "queued")).toMatchObject({ limit: 2, remaining: 0 });
      const refused = await limits().admit(request(b, policy, { turnId: three }));
      expect(refused).toMatchObject({ admitted: false, exceeded: "queued" });
      if (!refused.admitted) expect(refused.retryAfterMs).toBeLessThanOrEqual(5_000);
      // Another bucket has its own places.
      expect((await limits().admit(request(bucket(), policy))).admitted).toBe(true);
      await limits().started(one);
      await limits().started(one);
      await limits().started(newTurnId());
      expect((await limits().admit(request(b, policy, { turnId: three }))).admitted).toBe(true);
      expect((await limits().admit(request(b, policy, { turnId: four }))).admitted).toBe(false);
      // A turn that ends without being started (its job vanished, it was cancelled while queued) frees its place.
      await limits().release(two);
      const after = await limits().admit(request(b, policy, { turnId: four }));
      expect(after.admitted).toBe(true);
      // 4 admitted, 2 refused: the refusals left the turn quota alone (10 - 4 = 6).
      expect(after.states.find((s) => s.name === "turns")?.remaining).toBe(6);
    });

    it("queued: a started turn keeps its concurrency slot until released", async () => {
      const b = bucket();
      const policy = { maxConcurrent: 1, maxQueued: 1 };
      const one = newTurnId();
      expect((await limits().admit(request(b, policy, { turnId: one }))).admitted).toBe(true);
      await limits().started(one);
      expect(await limits().admit(request(b, policy))).toMatchObject({ admitted: false, exceeded: "concurrent" });
      await limits().release(one);
      expect((await limits().admit(request(b, policy))).admitted).toBe(true);
    });

    it("a queued place and a slot free themselves when their turn's deadline passes (a crashed gateway or runner leaks nothing)", async () => {
      // One bucket per policy, so both wait out the same sleep.
      const held = [
        { what: "queued place", b: bucket(), policy: { maxQueued: 1 } },
        { what: "slot", b: bucket(), policy: { maxConcurrent: 1 } },
      ];
      for (const { what, b, policy } of held) {
        const short = { deadlineAt: Date.now() + 150 };
        expect((await limits().admit(request(b, policy, short))).admitted, what).toBe(true);
        expect((await limits().admit(request(b, policy))).admitted, what).toBe(false);
      }
      await sleep(400);
      for (const { what, b, policy } of held)
        expect((await limits().admit(request(b, policy))).admitted, what).toBe(true);
    });
  });
}
