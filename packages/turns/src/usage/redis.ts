import { createHash } from "node:crypto";
import type { RedisClient } from "../redis-connection.js";
import { lastDays, USAGE_RETENTION_DAYS, utcDay, type TokenUsage, type UsageDay, type UsageMeter } from "./types.js";

/** One HASH per tenant per UTC day, `<prefix>usage:{<tenant digest>}:<day>`, kept USAGE_RETENTION_DAYS. */
export class RedisUsageMeter implements UsageMeter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  key(tenant: string, day: string): string {
    return `${this.prefix}usage:{${createHash("sha256").update(tenant).digest("base64url").slice(0, 22)}}:${day}`;
  }

  async record(tenant: string, usage: TokenUsage, at = Date.now()): Promise<void> {
    const key = this.key(tenant, utcDay(at));
    const tx = this.redis
      .multi()
      .hincrby(key, "input_tokens", usage.inputTokens)
      .hincrby(key, "output_tokens", usage.outputTokens)
      .hincrby(key, "turns", 1);
    if (usage.source === "counted") tx.hincrby(key, "counted_turns", 1);
    await tx.expire(key, USAGE_RETENTION_DAYS * 86_400).exec();
  }

  async read(tenant: string, days: number, now = Date.now()): Promise<UsageDay[]> {
    const list = lastDays(days, now);
    const pipe = this.redis.pipeline();
    for (const day of list) pipe.hgetall(this.key(tenant, day));
    const replies = (await pipe.exec()) ?? [];
    return list.flatMap((day, i) => {
      const h = (replies[i]?.[1] ?? {}) as Record<string, string>;
      if (h.turns === undefined) return [];
      const n = (f: string) => Number(h[f] ?? 0);
      return [
        {
          day,
          input_tokens: n("input_tokens"),
          output_tokens: n("output_tokens"),
          turns: n("turns"),
          counted_turns: n("counted_turns"),
        },
      ];
    });
  }

  /** The connection belongs to the caller. */
  async close(): Promise<void> {}
}
