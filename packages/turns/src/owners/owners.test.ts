import { describe, expect, it } from "vitest";
import { freshPrefix, usePrivateRedis } from "../__tests__/redis.js";
import { newTurnId } from "../ids.js";
import { describeTurnOwnersContract } from "./__tests__/contract.js";
import { InMemoryTurnOwners } from "./memory.js";
import { RedisTurnOwners } from "./redis.js";

const { connect } = usePrivateRedis();

describeTurnOwnersContract("memory", async () => new InMemoryTurnOwners());
describeTurnOwnersContract("redis", async () => new RedisTurnOwners(connect(), freshPrefix("o")));

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
