import type { LoggedTurnEvent, TurnEvent } from "@acb/schemas";
import { isTerminal } from "@acb/schemas";
import { silentLogger, type Logger } from "@acb/logger";
import { readFileSync } from "node:fs";
import { OPEN_TURN_TTL_MS, turnKeys } from "../keys.js";
import { isCluster, type RedisClient } from "../redis-connection.js";
import { decodeEntry, encodeEvent } from "./codec.js";
import { LiveFanout } from "./fanout.js";
import { DEFAULT_EVENT_LOG_OPTIONS, type EventLogOptions, type TurnEventLog } from "./types.js";

/** The append script (see its header for KEYS/ARGV); read from the package, next to this module, in src and dist. */
const APPEND_SCRIPT = readFileSync(new URL("./append.lua", import.meta.url), "utf8");

interface AppendCommand {
  acbTurnAppend(
    streamKey: string,
    endedKey: string,
    maxLen: number,
    retentionMs: number,
    openTtlMs: number,
    terminal: string,
    channel: string,
    sharded: string,
    ...fields: string[]
  ): Promise<string | null>;
}

export interface RedisEventLogOptions extends EventLogOptions {
  readonly prefix: string;
  /** Where the live fan-out reports subscriber trouble it recovers from. */
  readonly log?: Logger;
}

/**
 * The turn event log on Redis Streams. Appends and reads go over the shared command connection; live
 * following goes through one subscriber connection per process (`LiveFanout`, created on first use), so the
 * number of connections does not grow with the number of open streams.
 */
export class RedisTurnEventLog implements TurnEventLog {
  private readonly options: RedisEventLogOptions;
  private fanout: LiveFanout | undefined;

  constructor(
    private readonly redis: RedisClient,
    options: Partial<RedisEventLogOptions> & { prefix: string },
  ) {
    this.options = { ...DEFAULT_EVENT_LOG_OPTIONS, ...options };
    if (!("acbTurnAppend" in redis)) redis.defineCommand("acbTurnAppend", { numberOfKeys: 2, lua: APPEND_SCRIPT });
  }

  async append(turnId: string, event: TurnEvent): Promise<string | undefined> {
    const keys = turnKeys(this.options.prefix, turnId);
    const redis = this.redis as unknown as AppendCommand;
    const id = await redis.acbTurnAppend(
      keys.events,
      keys.ended,
      this.options.maxLen,
      this.options.retentionMs,
      OPEN_TURN_TTL_MS,
      isTerminal(event) ? "1" : "0",
      keys.live,
      isCluster(this.redis) ? "1" : "0",
      ...encodeEvent(event),
    );
    return id ?? undefined;
  }

  async read(turnId: string, afterId: string, count?: number): Promise<LoggedTurnEvent[]> {
    const key = turnKeys(this.options.prefix, turnId).events;
    const start = afterId === "0" ? "-" : `(${afterId}`;
    const raw =
      count === undefined
        ? await this.redis.xrange(key, start, "+")
        : await this.redis.xrange(key, start, "+", "COUNT", count);
    const out: LoggedTurnEvent[] = [];
    for (const [id, fields] of raw) {
      const entry = decodeEntry(id, fields);
      if (entry) out.push(entry);
    }
    return out;
  }

  follow(turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    // Created on first use: processes that only append (runners) never open the subscriber connection.
    this.fanout ??= new LiveFanout(this.redis, this.options.log ?? silentLogger);
    const keys = turnKeys(this.options.prefix, turnId);
    return this.fanout.follow(keys.events, keys.live, afterId, signal);
  }

  async exists(turnId: string): Promise<boolean> {
    return (await this.redis.exists(turnKeys(this.options.prefix, turnId).events)) === 1;
  }

  /** How many fan-out connections this process holds (for /readiness and the connection-count test). */
  readerConnections(): number {
    return this.fanout?.connections() ?? 0;
  }

  async close(): Promise<void> {
    await this.fanout?.close();
    this.fanout = undefined;
  }
}
