import type { RedisClient } from "../redis-connection.js";
import type { RunnerInfo, RunnerRegistry } from "./types.js";

/**
 * Runners announce themselves (and their MCP state) every few seconds, so a gateway's /readiness can say
 * whether anyone will execute its turns and whether tools are reachable, without talking to runners.
 */
export class RedisRunnerRegistry implements RunnerRegistry {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private get key(): string {
    return `${this.prefix}runners`;
  }

  async beat(info: RunnerInfo): Promise<void> {
    await this.redis.hset(this.key, info.id, JSON.stringify(info));
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(this.key, id);
  }

  /** Runners seen within `maxAgeMs`; older entries are pruned. */
  async list(maxAgeMs: number, now = Date.now()): Promise<RunnerInfo[]> {
    const all = await this.redis.hgetall(this.key);
    const live: RunnerInfo[] = [];
    const stale: string[] = [];
    for (const [id, raw] of Object.entries(all)) {
      try {
        const info = JSON.parse(raw) as RunnerInfo;
        if (typeof info.seen === "number" && now - info.seen <= maxAgeMs) live.push(info);
        else stale.push(id);
      } catch {
        stale.push(id);
      }
    }
    if (stale.length > 0) await this.redis.hdel(this.key, ...stale);
    return live;
  }
}
