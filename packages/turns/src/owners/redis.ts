import { turnKeys } from "../keys.js";
import type { RedisClient } from "../redis-connection.js";
import type { TurnOwners } from "./types.js";

/**
 * Distributed mode's owners: one string key per turn, `<prefix>turn:{<turn id>}:owner`, hash-tagged like the
 * turn's other keys (keys.ts) so it shares their Redis Cluster slot; SET NX PX makes the first claim win.
 */
export class RedisTurnOwners implements TurnOwners {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  key(turnId: string): string {
    return turnKeys(this.prefix, turnId).owner;
  }

  async claim(turnId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key(turnId), owner, "PX", Math.max(1, Math.ceil(ttlMs)), "NX")) === "OK";
  }

  async ownerOf(turnId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(turnId))) ?? undefined;
  }

  /** The connection belongs to the caller. */
  async close(): Promise<void> {}
}
