import { startRedis, type PrivateRedis } from "@acb/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTurnId } from "../ids.js";
import { describeTurnOwnersContract } from "./__tests__/contract.js";
import { InMemoryTurnOwners } from "./memory.js";
import { RedisTurnOwners } from "./redis.js";

let redis: PrivateRedis;
const opened: Redis[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const r of opened) r.disconnect();
  await redis.stop();
});
const connect = (): Redis => {
  const r = new Redis(redis.url, { maxRetriesPerRequest: null });
  opened.push(r);
  return r;
};

describeTurnOwnersContract("memory", async () => new InMemoryTurnOwners());
describeTurnOwnersContract("redis", async () => new RedisTurnOwners(connect(), `o${Math.random().toString(36).slice(2, 8)}:`));

describe("TurnOwners specifics", () => {
  it("redis: the key shares the turn's hash tag and carries the ttl", async () => {
    const r = connect();
    const owners = new RedisTurnOwners(r, "acb:");
    const turn = newTurnId();
    await owners.claim(turn, "t.x", 60_000);
    expect(owners.key(turn)).toBe(`acb:turn:{${turn}}:owner`);
    const ttl = await r.pttl(owners.key(turn));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("memory: expired entries are swept as new turns are claimed, so the map stays bounded", async () => {
    let clock = 0;
    const owners = new InMemoryTurnOwners(() => clock);
    for (let i = 0; i < 5_000; i++) {
      await owners.claim(`turn_${i}_abcdefgh`, "o", 10);
      clock += 1;
    }
    expect(owners.size()).toBeLessThan(1_100);
  });
});
