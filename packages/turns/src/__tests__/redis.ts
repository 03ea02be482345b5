import { startRedis, type PrivateRedis } from "@acb/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";

/**
 * A private redis-server for one test file: started before its tests, stopped after, with every connection
 * made through `connect()` closed first.
 */
export function usePrivateRedis(): { connect: () => Redis; url: () => string } {
  let redis: PrivateRedis | undefined;
  const opened: Redis[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const r of opened) r.disconnect();
    await redis?.stop();
  });
  const url = (): string => {
    if (!redis) throw new Error("redis-server is not started yet (use it inside a test or hook)");
    return redis.url;
  };
  return {
    url,
    connect: () => {
      const r = new Redis(url(), { maxRetriesPerRequest: null });
      opened.push(r);
      return r;
    },
  };
}

/** A key prefix of its own (`<letter><6 random characters>:`), so the tests of a file never see each other's keys. */
export const freshPrefix = (letter: string): string => `${letter}${Math.random().toString(36).slice(2, 8)}:`;
