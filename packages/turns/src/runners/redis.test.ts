import { describe, expect, it } from "vitest";
import { usePrivateRedis } from "../__tests__/redis.js";
import { RedisRunnerRegistry } from "./redis.js";

const { connect } = usePrivateRedis();

describe("RedisRunnerRegistry", () => {
  it("lists runners seen recently, prunes stale and unreadable entries, and forgets removed ones", async () => {
    const client = connect();
    const registry = new RedisRunnerRegistry(client, "r:");
    const now = 1_000_000;
    await registry.beat({
      id: "fresh",
      seen: now - 1_000,
      concurrency: 8,
      mcp: [{ name: "files", connected: true, tools: 3 }],
    });
    await registry.beat({ id: "stale", seen: now - 60_000, concurrency: 8, mcp: [] });
    await registry.beat({ id: "leaving", seen: now, concurrency: 1, mcp: [] });
    await client.hset("r:runners", "garbage", "{not json");
    await registry.remove("leaving");
    expect(await registry.list(30_000, now)).toEqual([
      { id: "fresh", seen: now - 1_000, concurrency: 8, mcp: [{ name: "files", connected: true, tools: 3 }] },
    ]);
    expect(Object.keys(await client.hgetall("r:runners"))).toEqual(["fresh"]);
  });
});
