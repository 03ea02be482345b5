import type { BaseMessage } from "@langchain/core/messages";
import type { Cluster, Redis } from "ioredis";
import { TURN_START_PREFIX } from "./bounds.js";
import { decodeMessages } from "./codec.js";
import { turnMarkerCap, validateSessionId, validateTurnId, type HistoryOptions } from "./options.js";
import { ChatHistoryStoreBase } from "./store-base.js";
import type { CommitOptions } from "./store.js";

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

/**
 * HISTORY_MAX_BYTES: drop whole turns from the head (a turn starts at a human entry) while the list holds more
 * than maxBytes; the newest turn stays. Same rule as entriesOverBytes (bounds.ts) for the memory store.
 */
const TRIM_BYTES_LUA = `
local function trim_bytes(maxBytes)
  if maxBytes <= 0 then return end
  local entries = redis.call('LRANGE', KEYS[1], 0, -1)
  local total = 0
  for i = 1, #entries do total = total + #entries[i] end
  if total <= maxBytes then return end
  local function starts_turn(i) return string.sub(entries[i], 1, ${TURN_START_PREFIX.length}) == '${TURN_START_PREFIX}' end
  local newest = #entries
  while newest > 1 and not starts_turn(newest) do newest = newest - 1 end
  local drop = 0
  while drop + 1 < newest and total > maxBytes do
    repeat
      drop = drop + 1
      total = total - #entries[drop]
    until drop + 1 >= newest or starts_turn(drop + 1)
  end
  if drop > 0 then redis.call('LTRIM', KEYS[1], drop, -1) end
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
 * ARGV[5] = max bytes (0 = none), ARGV[6..] = encoded messages
 * Returns 1 when appended, 0 when the turn id was already committed.
 */
const COMMIT_TURN_LUA = `
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
local max = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local markerCap = tonumber(ARGV[4])
${PUSH_AND_TRIM_LUA}
${TRIM_BYTES_LUA}
if #ARGV >= 6 then push_and_trim(6, max) end
trim_bytes(tonumber(ARGV[5]))
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
 * ARGV[3] = max bytes, ARGV[4..] = encoded messages. Plain append with the same cap and expiry rules.
 */
const APPEND_LUA = `
local max = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
${PUSH_AND_TRIM_LUA}
${TRIM_BYTES_LUA}
push_and_trim(4, max)
trim_bytes(tonumber(ARGV[3]))
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
export class RedisChatHistoryStore extends ChatHistoryStoreBase {
  private readonly scripts: HistoryScripts;

  constructor(
    private readonly redis: Redis | Cluster,
    options?: Partial<HistoryOptions>,
  ) {
    super(options);
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

  async commitTurn(
    sessionId: string,
    turnId: string,
    messages: BaseMessage[],
    options?: CommitOptions,
  ): Promise<boolean> {
    const listKey = this.listKey(sessionId);
    const tid = validateTurnId(turnId);
    const maxBytes = this.maxBytesOf(options);
    const encoded = this.encode(messages);
    const { maxMessages, ttlSeconds } = this.options;
    const result = await this.scripts.acbHistoryCommitTurn(
      listKey,
      `${listKey}:turns`,
      tid,
      maxMessages,
      ttlSeconds,
      turnMarkerCap(this.options),
      maxBytes,
      ...encoded,
    );
    return Number(result) === 1;
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
    const encoded = this.encode(messages);
    if (encoded.length === 0) return;
    const { maxMessages, ttlSeconds, maxBytes } = this.options;
    await this.scripts.acbHistoryAppend(listKey, `${listKey}:turns`, maxMessages, ttlSeconds, maxBytes, ...encoded);
  }
}
