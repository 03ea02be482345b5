import { startRedis, type PrivateRedis } from "@acb/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { describeUsageMeterContract } from "./__tests__/contract.js";
import { InMemoryUsageMeter } from "./memory.js";
import { RedisUsageMeter } from "./redis.js";

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

describeUsageMeterContract("memory", async () => new InMemoryUsageMeter());
describeUsageMeterContract("redis", async () => new RedisUsageMeter(client, `u${Math.random().toString(36).slice(2, 8)}:`));
