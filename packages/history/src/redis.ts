import type { BaseListChatMessageHistory } from "@langchain/core/chat_history";
import type { BaseMessage } from "@langchain/core/messages";
import type { Cluster, Redis } from "ioredis";
import { assertMessages, decodeMessages, encodeMessages } from "./codec.js";
import { resolveHistoryOptions, turnMarkerCap, validateSessionId, validateTurnId, type HistoryOptions } from "./options.js";
import { SessionChatMessageHistory } from "./session-history.js";
import type { ChatHistoryStore } from "./store.js";


/** RPUSH of ARGV[from..] (in slices of 1,000: Lua's unpack has a stack limit), then the cap. */
const PUSH_AND_TRIM_LUA = `
local function push_and_trim(from, max)
  local n = #ARGV
  local i = from
  while i <= n do
    local j = math.min(i + 999, n)
    redis.call('RPUSH', KEYS[1], unpack(ARGV, i, j))
    i = j + 1
  end
  redis.call('LTRIM', KEYS[1], -max, -1)
end`;

/** Both scripts end alike: the session's keys expire `ttl` seconds after this write, or never when ttl is 0. */
const EXPIRE_BOTH_LUA = `
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
else
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end`;
/**
 * KEYS[1] = message list, KEYS[2] = committed turn ids (ZSET, score = commit sequence)
 * ARGV[1] = turn id, ARGV[2] = max messages, ARGV[3] = ttl seconds (0 = none), ARGV[4] = turn marker cap,
 * ARGV[5..] = encoded messages
 * Returns 1 when appended, 0 when the turn id was already committed.
 */
const COMMIT_TURN_LUA = `
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
local max = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local markerCap = tonumber(ARGV[4])
${PUSH_AND_TRIM_LUA}
if #ARGV >= 5 then push_and_trim(5, max) end
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
local seq = 1
if top[2] then seq = tonumber(top[2]) + 1 end
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(markerCap + 1))
${EXPIRE_BOTH_LUA}
return 1
`;

/**
 * KEYS[1] = message list, KEYS[2] = committed turn ids; ARGV[1] = max messages, ARGV[2] = ttl seconds,
 * ARGV[3..] = encoded messages. Plain append with the same cap and expiry rules.
 */
const APPEND_LUA = `
local max = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
${PUSH_AND_TRIM_LUA}
push_and_trim(3, max)
${EXPIRE_BOTH_LUA}
return 1
`;

interface HistoryScripts {
  acbHistoryCommitTurn(listKey: string, turnsKey: string, ...args: (string | number)[]): Promise<number>;
  acbHistoryAppend(listKey: string, turnsKey: string, ...args: (string | number)[]): Promise<number>;
}

const PING_TIMEOUT_MS = 2000;

/**
 * Session history in Redis. Per session: a LIST `${prefix}history:{sessionId}` of JSON messages and a ZSET
 * `${prefix}history:{sessionId}:turns` of committed turn ids; the hash tag keeps both in one Cluster slot.
 * Writes are single Lua scripts (EVALSHA through ioredis defineCommand). The connection is borrowed: this
 * store never closes it.
 */
export class RedisChatHistoryStore implements ChatHistoryStore {
  readonly options: HistoryOptions;
  private readonly scripts: HistoryScripts;

  constructor(
    private readonly redis: Redis | Cluster,
    options?: Partial<HistoryOptions>,
  ) {
    this.options = resolveHistoryOptions(options);
    // Re-defining on a shared connection is harmless: same names, same scripts.
    redis.defineCommand("acbHistoryCommitTurn", { numberOfKeys: 2, lua: COMMIT_TURN_LUA });
    redis.defineCommand("acbHistoryAppend", { numberOfKeys: 2, lua: APPEND_LUA });
    this.scripts = redis as unknown as HistoryScripts;
  }

  /** The list key of a session (exposed for operations and tests). */
  listKey(sessionId: string): string {
    return `${this.options.keyPrefix}history:{${validateSessionId(sessionId)}}`;
  }

  /** The committed-turns key of a session. */
  turnsKey(sessionId: string): string {
    return `${this.listKey(sessionId)}:turns`;
  }

  async getMessages(sessionId: string): Promise<BaseMessage[]> {
    const entries = await this.redis.lrange(this.listKey(sessionId), -this.options.maxMessages, -1);
    return decodeMessages(entries);
  }

  async commitTurn(sessionId: string, turnId: string, messages: BaseMessage[]): Promise<boolean> {
    const listKey = this.listKey(sessionId);
    const tid = validateTurnId(turnId);
    assertMessages(messages);
    const { maxMessages, ttlSeconds } = this.options;
    const result = await this.scripts.acbHistoryCommitTurn(
      listKey,
      `${listKey}:turns`,
      tid,
      maxMessages,
      ttlSeconds,
      turnMarkerCap(this.options),
      ...encodeMessages(messages),
    );
    return Number(result) === 1;
  }

  forSession(sessionId: string): BaseListChatMessageHistory {
    return new SessionChatMessageHistory(this, validateSessionId(sessionId));
  }

  async clear(sessionId: string): Promise<void> {
    const listKey = this.listKey(sessionId);
    await this.redis.del(listKey, `${listKey}:turns`);
  }

  /** PING with a timeout, so a readiness probe never hangs on a queued command while Redis is away. */
  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve("timeout"), PING_TIMEOUT_MS);
      });
      return (await Promise.race([this.redis.ping(), timeout])) === "PONG";
    } catch {
      return false;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** A plain append (same cap and expiry), for the LangChain view; turns go through `commitTurn`. */
  async appendMessages(sessionId: string, messages: BaseMessage[]): Promise<void> {
    const listKey = this.listKey(sessionId);
    assertMessages(messages);
    if (messages.length === 0) return;
    const { maxMessages, ttlSeconds } = this.options;
    await this.scripts.acbHistoryAppend(listKey, `${listKey}:turns`, maxMessages, ttlSeconds, ...encodeMessages(messages));
  }
}
