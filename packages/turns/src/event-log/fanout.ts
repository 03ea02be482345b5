import type { LoggedTurnEvent } from "@acb/schemas";
import { isTerminal } from "@acb/schemas";
import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import { compareEntryIds } from "../ids.js";
import { openLiveSubscriber, type LiveSubscriber } from "../live-subscriber.js";
import type { RedisClient } from "../redis-connection.js";
import { decodeEntry } from "./codec.js";

/** One follower of one turn: its cursor, the entries it has not taken yet, and a wake-up. */
interface Follower {
  cursor: string;
  readonly buffer: LoggedTurnEvent[];
  /** Live entries that arrived while the follower was catching up from the stream (merged after). */
  pending: LoggedTurnEvent[] | undefined;
  wake: (() => void) | undefined;
  failed: Error | undefined;
  /** Entries after the cursor exist that are not buffered (a slow reader): read them from the stream once it drains. */
  behind: boolean;
}

/**
 * Most entries one follower holds in memory. A reader that does not keep up (a paused SSE client: the writer stops
 * pulling) stops receiving live entries past this and reads them from the stream later, in pages of this size.
 */
export const FOLLOWER_BUFFER_ENTRIES = 256;

interface FollowedTurn {
  readonly key: string;
  readonly followers: Set<Follower>;
  readonly subscribed: Promise<unknown>;
}

/**
 * Fan-out of every followed turn over ONE subscriber connection per gateway process (on Redis Cluster, one per
 * shard: SSUBSCRIBE, see live-subscriber.ts).
 *
 * The stream stays the log (ids, resume, catch-up); the live path is the append script's (S)PUBLISH of the
 * entry it just wrote, on the turn's own channel. A follower subscribes first, then reads what it missed from
 * the stream (XRANGE after its cursor) while live entries wait in `pending`, then merges them by id — so it
 * gets every entry exactly once, in order, whatever raced. After a reconnect of the subscriber (messages may
 * have been lost meanwhile), or a failover or moved slot on Cluster, every follower catches up from the stream again.
 *
 * Why not one blocking XREAD over all streams: it must name every followed stream on every call, so at
 * 10,000 streams each call costs Redis ~10 ms and the gateway as much to write it (see infra/bench).
 */
export class LiveFanout {
  private readonly turns = new Map<string, FollowedTurn>();
  private subscriber: LiveSubscriber | undefined;
  private subscriberReady: Promise<LiveSubscriber> | undefined;
  private closed = false;

  constructor(
    private readonly command: RedisClient,
    private readonly log: Logger = silentLogger,
  ) {}

  connections(): number {
    return this.subscriber?.connections() ?? 0;
  }

  async *follow(key: string, channel: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    const follower: Follower = {
      cursor: afterId,
      buffer: [],
      pending: [],
      wake: undefined,
      failed: undefined,
      behind: false,
    };
    let turn = this.turns.get(channel);
    if (!turn) {
      // A SUBSCRIBE lost to a dropped connection is redone by `reconnected`, so it never fails the follower.
      turn = {
        key,
        followers: new Set(),
        subscribed: bestEffort(
          this.sub().then((sub) => sub.subscribe(channel)),
          this.log,
          "subscribing to a turn's live channel",
        ),
      };
      this.turns.set(channel, turn);
    }
    turn.followers.add(follower);
    const onAbort = (): void => follower.wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await turn.subscribed;
      await this.catchUp(turn, follower);
      while (!signal.aborted && !this.closed) {
        const entry = follower.buffer.shift();
        if (entry) {
          yield entry;
          if (isTerminal(entry.event)) return;
          continue;
        }
        if (follower.failed) throw follower.failed;
        // Drained after falling behind: read what was skipped from the stream (it is the log; nothing was lost).
        if (follower.behind && !follower.pending) {
          follower.behind = false;
          this.resync(turn, follower);
        }
        await new Promise<void>((resolve) => {
          follower.wake = resolve;
        });
        follower.wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      turn.followers.delete(follower);
      if (turn.followers.size === 0 && this.turns.get(channel) === turn) {
        this.turns.delete(channel);
        if (this.subscriber)
          void bestEffort(this.subscriber.unsubscribe(channel), this.log, "unsubscribing from a turn's live channel");
      }
    }
  }

  /**
   * The subscriber, once ready. After it lost subscriptions (a reconnect, a failover) it subscribes every followed
   * turn again, then every follower catches up from the stream: what was published meanwhile is in the streams.
   */
  private sub(): Promise<LiveSubscriber> {
    this.subscriberReady ??= openLiveSubscriber(
      this.command,
      {
        onMessage: (channel, message) => this.onMessage(channel, message),
        channels: () => [...this.turns.keys()],
        onResubscribed: () => {
          for (const turn of this.turns.values()) for (const f of turn.followers) this.resync(turn, f);
        },
      },
      this.log,
    ).then((sub) => (this.subscriber = sub));
    return this.subscriberReady;
  }

  private onMessage(channel: string, message: string): void {
    const turn = this.turns.get(channel);
    if (!turn) return;
    let entry: LoggedTurnEvent | undefined;
    let previous: string | undefined;
    try {
      const parts: unknown = JSON.parse(message);
      if (Array.isArray(parts) && parts.every((p) => typeof p === "string")) {
        entry = decodeEntry(parts[0] ?? "", parts.slice(1));
        previous = previousEntryId(parts.slice(1));
      }
    } catch {
      entry = undefined;
    }
    if (!entry) {
      // Unreadable live message: fall back to the log for this turn.
      for (const f of turn.followers) this.resync(turn, f);
      return;
    }
    for (const f of turn.followers) {
      if (f.pending) f.pending.push(entry);
      else if (f.behind || f.buffer.length >= FOLLOWER_BUFFER_ENTRIES) f.behind = true;
      else if (compareEntryIds(entry.id, f.cursor) > 0) {
        // An entry between the follower's cursor and this one never arrived live (the subscription was lost and
        // renewed, e.g. in a Cluster failover, before the re-subscription was reported): read it from the stream.
        if (previous !== undefined && compareEntryIds(previous, f.cursor) > 0) {
          this.resync(turn, f);
          continue;
        }
        f.cursor = entry.id;
        f.buffer.push(entry);
        f.wake?.();
      }
    }
  }

  private resync(turn: FollowedTurn, f: Follower): void {
    if (f.pending) return; // already catching up
    f.pending = [];
    this.catchUp(turn, f).catch((err: unknown) => {
      f.failed = err instanceof Error ? err : new Error("event stream failed");
      f.wake?.();
    });
  }

  /**
   * Reads the stream after the follower's cursor (one page), then merges the live entries that arrived meanwhile.
   * A full page may not be the end: the live entries are then dropped and read from the stream on the next page.
   */
  private async catchUp(turn: FollowedTurn, f: Follower): Promise<void> {
    const start = f.cursor === "0" ? "-" : `(${f.cursor}`;
    const raw = await this.command.xrange(turn.key, start, "+", "COUNT", FOLLOWER_BUFFER_ENTRIES);
    if (raw.length >= FOLLOWER_BUFFER_ENTRIES) {
      f.behind = true;
      f.pending = [];
    }
    const merge = (entry: LoggedTurnEvent | undefined): void => {
      if (!entry || compareEntryIds(entry.id, f.cursor) <= 0) return;
      f.cursor = entry.id;
      f.buffer.push(entry);
    };
    for (const [id, fields] of raw) merge(decodeEntry(id, fields));
    for (const entry of f.pending ?? []) merge(entry);
    f.pending = undefined;
    f.wake?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const turn of this.turns.values()) for (const f of turn.followers) f.wake?.();
    const sub = this.subscriber;
    this.subscriber = undefined;
    this.subscriberReady = undefined;
    sub?.close();
  }
}

/** The id of the entry before a live one: append.lua adds it as a last `p` field pair (absent from older writers). */
function previousEntryId(fields: readonly string[]): string | undefined {
  for (let i = fields.length - 2; i >= 0; i -= 2) if (fields[i] === "p") return fields[i + 1];
  return undefined;
}
