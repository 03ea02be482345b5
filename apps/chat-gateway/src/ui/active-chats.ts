import type { RedisClient } from "@acb/turns";

/**
 * Which turn is a chat's latest (AI SDK chats: `GET /v1/ui/chat/{chatId}/stream` resumes it). Entries expire
 * with the turn's retention; whether the turn is still running is the event log's answer, not this map's.
 */
export interface ActiveChats {
  set(chatId: string, turnId: string, ttlMs: number): Promise<void>;
  get(chatId: string): Promise<string | undefined>;
}

export class InMemoryActiveChats implements ActiveChats {
  private readonly entries = new Map<string, { turnId: string; expires: number }>();

  async set(chatId: string, turnId: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    // Drop expired entries as new ones come, so the map stays as small as the chats in flight.
    for (const [id, e] of this.entries) if (e.expires <= now) this.entries.delete(id);
    this.entries.set(chatId, { turnId, expires: now + ttlMs });
  }

  async get(chatId: string): Promise<string | undefined> {
    const e = this.entries.get(chatId);
    return e !== undefined && e.expires > Date.now() ? e.turnId : undefined;
  }
}

/** Shared by every gateway replica: a resume may land on another replica than the one that started the turn. */
export class RedisActiveChats implements ActiveChats {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(chatId: string): string {
    return `${this.prefix}uichat:{${chatId}}:turn`;
  }

  async set(chatId: string, turnId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(chatId), turnId, "PX", Math.max(1, ttlMs));
  }

  async get(chatId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(chatId))) ?? undefined;
  }
}
