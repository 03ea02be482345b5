import { startRedis, type PrivateRedis } from "@acb/testkit";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisChatHistoryStore } from "./index.js";
import { describeHistoryContract, sid, summary, turn, turnsSummary } from "./test/history-contract.js";

let server: PrivateRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
}, 20_000);

afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

describeHistoryContract(
  "redis",
  (options) => new RedisChatHistoryStore(redis, options),
  async () => {
    await redis.flushdb();
  },
);

describe("RedisChatHistoryStore specifics", () => {
  it("skips corrupt entries in the list instead of failing", async () => {
    const store = new RedisChatHistoryStore(redis);
    const s = sid();
    await store.commitTurn(s, "turn-0001", turn(1));
    await redis.rpush(
      store.listKey(s),
      "not json {",
      "42",
      "null",
      JSON.stringify({ type: "alien", data: { content: "x" } }),
      JSON.stringify({ type: "tool", data: { content: "no tool_call_id" } }),
      JSON.stringify({ type: "human" }),
      JSON.stringify({ x: 1 }),
    );
    await store.commitTurn(s, "turn-0002", turn(2));
    expect(summary(await store.getMessages(s))).toEqual(turnsSummary(1, 2));
  });

  it("keeps every key of a session under the prefix and the {sessionId} hash tag, with the TTL", async () => {
    await redis.flushdb();
    const store = new RedisChatHistoryStore(redis, { keyPrefix: "tenant7:", ttlSeconds: 300 });
    const s = "sess:1";
    await store.commitTurn(s, "turn-0001", turn(1));
    await store.forSession(s).addMessages([new HumanMessage("more"), new AIMessage("ok")]);
    const keys = (await redis.keys("*")).sort();
    expect(keys).toEqual(["tenant7:history:{sess:1}", "tenant7:history:{sess:1}:turns"]);
    for (const key of keys) {
      // Redis Cluster hashes only the text of the first {...}: both keys land in the slot of "sess:1".
      expect(key.slice(key.indexOf("{") + 1, key.indexOf("}"))).toBe(s);
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(290);
      expect(ttl).toBeLessThanOrEqual(300);
    }
    expect(await redis.type("tenant7:history:{sess:1}")).toBe("list");
    expect(await redis.llen("tenant7:history:{sess:1}")).toBe(4);
    await store.clear(s);
    expect(await redis.keys("*")).toEqual([]);
  });

  it("trims the stored list itself to maxMessages (not just the read)", async () => {
    const store = new RedisChatHistoryStore(redis, { maxMessages: 3 });
    const s = sid();
    for (let i = 1; i <= 3; i++) await store.commitTurn(s, `turn-000${i}`, turn(i));
    expect(await redis.llen(store.listKey(s))).toBe(3);
    await store.forSession(s).addMessages(turn(4));
    expect(await redis.lrange(store.listKey(s), 0, -1)).toHaveLength(3);
    expect(summary(await store.getMessages(s)).map(([, t]) => t)).toEqual(["a3", "q4", "a4"]);
  });

  it("ttlSeconds 0 stores without expiry", async () => {
    const store = new RedisChatHistoryStore(redis, { ttlSeconds: 0 });
    const s = sid();
    await store.commitTurn(s, "turn-0001", turn(1));
    expect(await redis.ttl(store.listKey(s))).toBe(-1);
    expect(await redis.ttl(store.turnsKey(s))).toBe(-1);
  });

  it("forgets only the oldest turn ids beyond the marker cap", async () => {
    const store = new RedisChatHistoryStore(redis, { maxMessages: 2 });
    const s = sid();
    // Marker cap is max(maxMessages, 1000): 1000 here.
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.zadd(store.turnsKey(s), i + 1, `turn-old-${i}`);
    await pipeline.exec();
    expect(await store.commitTurn(s, "turn-new", turn(1))).toBe(true);
    expect(await redis.zcard(store.turnsKey(s))).toBe(1000);
    expect(await store.commitTurn(s, "turn-old-0", turn(2))).toBe(true); // dropped, so a (very late) retry appends
    expect(await store.commitTurn(s, "turn-old-999", turn(3))).toBe(false);
    expect(await store.commitTurn(s, "turn-new", turn(4))).toBe(false);
  });

  it("does not own the connection", async () => {
    const store = new RedisChatHistoryStore(redis);
    await store.commitTurn(sid(), "turn-0001", turn(1));
    expect(await store.ping()).toBe(true);
    expect(redis.status).toBe("ready");
  });

  it("ping() answers false when Redis is unreachable", async () => {
    const dead = new Redis({
      port: server.port,
      host: "127.0.0.1",
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      const store = new RedisChatHistoryStore(dead);
      expect(await store.ping()).toBe(false);
    } finally {
      dead.disconnect();
    }
  });
});
