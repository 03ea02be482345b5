import { startRedis, type PrivateRedis } from "@acb/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { InMemoryChatHistoryStore } from "./memory.js";
import { RedisChatHistoryStore } from "./redis.js";
import { describeHistorySizeContract } from "./test/size-contract.js";

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

describeHistorySizeContract("in-memory", (options) => new InMemoryChatHistoryStore(options));
describeHistorySizeContract("redis", (options) => new RedisChatHistoryStore(client, options));
