import { describe, expect, it } from "vitest";
import { freshPrefix, usePrivateRedis } from "../__tests__/redis.js";
import { newTurnId } from "../ids.js";
import { describeTurnLimitsContract } from "./__tests__/contract.js";
import { InMemoryTurnLimits } from "./memory.js";
import { RedisTurnLimits } from "./redis.js";

const { connect } = usePrivateRedis();

describeTurnLimitsContract("memory", async () => new InMemoryTurnLimits());
describeTurnLimitsContract("redis", async () => new RedisTurnLimits(connect(), freshPrefix("l")));

describe("TurnLimits specifics", () => {
  it("redis: two replicas on their own connections share one quota", async () => {
    const [a, b] = [new RedisTurnLimits(connect(), "shared:"), new RedisTurnLimits(connect(), "shared:")];
    const req = () => ({
      bucket: "t.acme",
      turnId: newTurnId(),
      deadlineAt: Date.now() + 60_000,
      inputChars: 1,
      policy: { turnsPerMinute: 4, maxConcurrent: 10 },
    });
    const results = await Promise.all([a, b, a, b, a, b].map((l) => l.admit(req())));
    expect(results.filter((r) => r.admitted)).toHaveLength(4);
  });

  it("redis: keys are hash-tagged by a digest of the bucket, and expire", async () => {
    const r = connect();
    const limits = new RedisTurnLimits(r, "acb:");
    const turnId = newTurnId();
    await limits.admit({
      bucket: "t.{evil}:name",
      turnId,
      deadlineAt: Date.now() + 30_000,
      inputChars: 1,
      policy: { turnsPerMinute: 2, maxConcurrent: 1, maxQueued: 1 },
    });
    const keys = limits.bucketKeys("t.{evil}:name");
    expect(keys.queued).toMatch(/^acb:limits:\{[A-Za-z0-9_-]{22}\}:queued$/);
    expect(await r.pttl(keys.queued)).toBeGreaterThan(20_000);
    expect(await r.get(limits.queuedPlaceKey(turnId))).toBe(keys.queued);
    expect(keys.rate).toMatch(/^acb:limits:\{[A-Za-z0-9_-]{22}\}:rate$/);
    expect(await r.pttl(keys.rate)).toBeGreaterThan(0);
    expect(await r.pttl(keys.active)).toBeGreaterThan(20_000);
    expect(await r.get(limits.slotKey(turnId))).toBe(keys.active);
    await limits.release(turnId);
    expect(await r.zcard(keys.active)).toBe(0);
    expect(await r.zcard(keys.queued)).toBe(0);
    expect(await r.exists(limits.slotKey(turnId), limits.queuedPlaceKey(turnId))).toBe(0);
  });
});
