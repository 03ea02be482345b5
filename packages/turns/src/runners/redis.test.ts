import { startRedis, type PrivateRedis } from "@acb/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisRunnerRegistry } from "./redis.js";

let redis: PrivateRedis;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

describe("RedisRunnerRegistry", () => {
  it("lists runners seen recently, prunes stale and unreadable entries, and forgets removed ones", async () => {
    const registry = new RedisRunnerRegistry(client, "r:");
    const now = 1_000_000;
    await registry.beat({ id: "fresh", seen: now - 1_000, concurrency: 8, mcp: [{ name: "files", connected: true, tools: 3 }] });
    await registry.beat({ id: "stale", seen: now - 60_000, concurrency: 8, mcp: [] });
    await registry.beat({ id: "leaving", seen: now, concurrency: 1, mcp: [] });
    await client.hset("r:runners", "garbage", "{not json");
    await registry.remove("leaving");
    expect(await registry.list(30_000, now)).toEqual([{ id: "fresh", seen: now - 1_000, concurrency: 8, mcp: [{ name: "files", connected: true, tools: 3 }] }]);
    expect(Object.keys(await client.hgetall("r:runners"))).toEqual(["fresh"]);
  });
});
