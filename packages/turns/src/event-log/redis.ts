import type { LoggedTurnEvent, TurnEvent, TurnJob } from "@acb/schemas";
import { isTerminal } from "@acb/schemas";
import { Queue, type ConnectionOptions } from "bullmq";
import type { Redis } from "ioredis";
import { compareEntryIds } from "./ids.js";
import { cancelChannel, queuePrefix, turnKeys, TURN_QUEUE_NAME } from "./keys.js";
import { decodeEntry, encodeEvent } from "./codec.js";
import { LiveFanout } from "./fanout.js";
import { openSubscriber } from "./subscriber.js";
import { DEFAULT_EVENT_LOG_OPTIONS, type EventLogOptions, type TurnCanceller, type TurnEventLog, type TurnQueue } from "./types.js";

/**
 * Appends one event unless the turn already ended, trims the stream (MAXLEN ~), sets expiry (a short
 * retention once `done` is written, a long safety TTL while the turn is open, so a turn nobody ends still
 * goes), and publishes the new entry — `[id, field, value, …]` as JSON — on the turn's channel for live
 * fan-out. One script, so the log and the live path can never disagree on ids or order.
 */
const APPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local args = {KEYS[1], 'MAXLEN', '~', ARGV[1], '*'}
local live = {}
for i = 6, #ARGV do
  args[#args + 1] = ARGV[i]
  live[#live + 1] = ARGV[i]
end
local id = redis.call('XADD', unpack(args))
if ARGV[4] == '1' then
  redis.call('SET', KEYS[2], id, 'PX', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
table.insert(live, 1, id)
redis.call('PUBLISH', ARGV[5], cjson.encode(live))
return id
`;

const OPEN_TURN_TTL_MS = 24 * 3600_000;

interface AppendCommand {
  acbTurnAppend(streamKey: string, endedKey: string, maxLen: number, retentionMs: number, openTtlMs: number, terminal: string, channel: string, ...fields: string[]): Promise<string | null>;
}

export interface RedisEventLogOptions extends EventLogOptions {
  readonly prefix: string;
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
    private readonly redis: Redis,
    options: Partial<RedisEventLogOptions> & { prefix: string },
  ) {
    this.options = { ...DEFAULT_EVENT_LOG_OPTIONS, ...options };
    if (!("acbTurnAppend" in redis)) redis.defineCommand("acbTurnAppend", { numberOfKeys: 2, lua: APPEND_SCRIPT });
  }

  async append(turnId: string, event: TurnEvent): Promise<string | undefined> {
    const keys = turnKeys(this.options.prefix, turnId);
    const redis = this.redis as unknown as AppendCommand;
    const id = await redis.acbTurnAppend(keys.events, keys.ended, this.options.maxLen, this.options.retentionMs, OPEN_TURN_TTL_MS, isTerminal(event) ? "1" : "0", keys.live, ...encodeEvent(event));
    return id ?? undefined;
  }

  async read(turnId: string, afterId: string, count?: number): Promise<LoggedTurnEvent[]> {
    const key = turnKeys(this.options.prefix, turnId).events;
    const start = afterId === "0" ? "-" : `(${afterId}`;
    const raw = count === undefined ? await this.redis.xrange(key, start, "+") : await this.redis.xrange(key, start, "+", "COUNT", count);
    const out: LoggedTurnEvent[] = [];
    for (const [id, fields] of raw) {
      const entry = decodeEntry(id, fields);
      if (entry) out.push(entry);
    }
    return out;
  }

  follow(turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    // Created on first use: processes that only append (runners) never open the subscriber connection.
    this.fanout ??= new LiveFanout(this.redis);
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


export interface BullTurnQueueOptions {
  readonly prefix: string;
  readonly connection: ConnectionOptions;
  /** How long finished jobs are kept for inspection. */
  readonly keepCompletedSeconds?: number;
}

/** Enqueues turns on BullMQ with jobId = turn id, so a repeated enqueue is a no-op. */
export class BullTurnQueue implements TurnQueue {
  private readonly queue: Queue;
  private readonly keep: number;

  constructor(options: BullTurnQueueOptions) {
    this.queue = new Queue(TURN_QUEUE_NAME, { connection: options.connection, prefix: queuePrefix(options.prefix) });
    this.keep = options.keepCompletedSeconds ?? 3600;
  }

  async enqueue(job: TurnJob): Promise<void> {
    await this.queue.add(job.mode, job, {
      jobId: job.turn_id,
      // One attempt: a turn that failed has already told its clients so (error + done). Stalled jobs (a
      // runner that died) are still redelivered by BullMQ's stall check and ended by processTurn.
      attempts: 1,
      removeOnComplete: { age: this.keep },
      removeOnFail: { age: this.keep * 24 },
    });
  }

  async workers(): Promise<number> {
    return await this.queue.getWorkersCount();
  }

  async counts(): Promise<Record<string, number>> {
    return await this.queue.getJobCounts("waiting", "active", "delayed", "failed");
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/**
 * Cancel over Redis: a key (so a runner that picks the turn up later still sees it) and a pub/sub message
 * (so the runner executing it now aborts at once). One subscriber connection per process.
 */
export class RedisTurnCanceller implements TurnCanceller {
  private subscriber: Redis | undefined;
  private subscribed: Promise<unknown> | undefined;
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async cancel(turnId: string): Promise<void> {
    await this.redis.set(turnKeys(this.prefix, turnId).cancelled, "1", "PX", OPEN_TURN_TTL_MS);
    await this.redis.publish(cancelChannel(this.prefix), turnId);
  }

  async watch(turnId: string, onCancel: () => void): Promise<() => void> {
    if (!this.subscriber) {
      // One channel for all turns: ioredis may restore it after a reconnect by itself.
      const { sub, ready } = openSubscriber(this.redis, { autoResubscribe: true });
      this.subscriber = sub;
      sub.on("message", (_channel: string, id: string) => {
        for (const fn of this.watchers.get(id) ?? []) fn();
      });
      this.subscribed = ready.then(() => sub.subscribe(cancelChannel(this.prefix)));
    }
    await this.subscribed;
    let set = this.watchers.get(turnId);
    if (!set) {
      set = new Set();
      this.watchers.set(turnId, set);
    }
    set.add(onCancel);
    if ((await this.redis.exists(turnKeys(this.prefix, turnId).cancelled)) === 1) onCancel();
    return () => {
      set.delete(onCancel);
      if (set.size === 0) this.watchers.delete(turnId);
    };
  }

  async close(): Promise<void> {
    this.watchers.clear();
    await this.subscriber?.quit().catch(() => undefined);
    this.subscriber = undefined;
    this.subscribed = undefined;
  }
}
