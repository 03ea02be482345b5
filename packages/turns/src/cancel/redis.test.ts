import { startRedis, type PrivateRedis } from "@acb/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { describeCancellerContract } from "./__tests__/contract.js";
import { RedisTurnCanceller } from "./redis.js";

let redis: PrivateRedis;
const opened: Redis[] = [];
const connect = (): Redis => {
  const r = new Redis(redis.url, { maxRetriesPerRequest: null });
  opened.push(r);
  return r;
};

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const r of opened) r.disconnect();
  await redis.stop();
});

describeCancellerContract("redis", () => ({
  make: async () => [new RedisTurnCanceller(connect(), "c:"), new RedisTurnCanceller(connect(), "c:")],
}));
