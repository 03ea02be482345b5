import { turnKeys } from "../keys.js";
import type { RedisClient } from "../redis-connection.js";
import { JOURNAL_TTL_MS, type TurnJournal } from "./types.js";

/**
 * Distributed mode's journal: one hash per turn, `<prefix>turn:{<turn id>}:journal`, hash-tagged like the turn's
 * other keys (keys.ts) so it shares their Redis Cluster slot. Each write renews its expiry in the same transaction.
 */
export class RedisTurnJournal implements TurnJournal {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlMs: number = JOURNAL_TTL_MS,
  ) {}

  key(turnId: string): string {
    return turnKeys(this.prefix, turnId).journal;
  }

  async record(turnId: string, field: string, value: string): Promise<void> {
    const key = this.key(turnId);
    const results = await this.redis.multi().hset(key, field, value).pexpire(key, this.ttlMs).exec();
    const failed = results?.find(([err]) => err !== null)?.[0];
    if (failed) throw failed;
  }

  async entries(turnId: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.key(turnId))));
  }

  async clear(turnId: string): Promise<void> {
    await this.redis.del(this.key(turnId));
  }
}
