import { errorMessage, type Logger } from "@acb/logger";
import type { RedisClient } from "./redis-connection.js";

export interface RedisDurability {
  /** undefined = Redis refused CONFIG GET (managed Redis often does): it could not be checked. */
  readonly appendonly: string | undefined;
  readonly maxmemoryPolicy: string | undefined;
}

/**
 * What distributed mode needs from Redis: queued turns, event logs and journals must survive a restart (AOF
 * persistence) and must never be evicted under memory pressure (`maxmemory-policy noeviction`, as BullMQ requires).
 */
export async function readRedisDurability(redis: RedisClient): Promise<RedisDurability> {
  const get = async (name: string): Promise<string | undefined> => {
    const reply = (await redis.config("GET", name)) as unknown;
    return Array.isArray(reply) && typeof reply[1] === "string" ? reply[1] : undefined;
  };
  return { appendonly: await get("appendonly"), maxmemoryPolicy: await get("maxmemory-policy") };
}

/** Logs one warning when Redis is not set up for distributed mode, or when it cannot be checked; nothing when it is. */
export async function warnUnlessDurable(redis: RedisClient, log: Logger): Promise<void> {
  if (redis.status !== "ready") await new Promise<void>((resolve) => redis.once("ready", () => resolve()));
  let found: RedisDurability;
  try {
    found = await readRedisDurability(redis);
  } catch (err) {
    log.warn(
      "could not check Redis persistence (CONFIG GET refused?): distributed mode needs appendonly yes and maxmemory-policy noeviction",
      { error: errorMessage(err) },
    );
    return;
  }
  const problems: string[] = [];
  if (found.appendonly !== "yes")
    problems.push(`appendonly is ${found.appendonly ?? "unknown"} (queued turns are lost when Redis restarts)`);
  if (found.maxmemoryPolicy !== "noeviction")
    problems.push(`maxmemory-policy is ${found.maxmemoryPolicy ?? "unknown"} (turn data may be evicted)`);
  if (problems.length > 0)
    log.warn("Redis is not set up for distributed mode: set appendonly yes and maxmemory-policy noeviction", {
      problems: problems.join("; "),
    });
}
