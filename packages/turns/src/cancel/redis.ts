import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import { cancelChannel, OPEN_TURN_TTL_MS, turnKeys } from "../keys.js";
import { openLiveSubscriber, publishLive, type LiveSubscriber } from "../live-subscriber.js";
import { isCluster, type RedisClient } from "../redis-connection.js";
import { asCancelMode, type CancelMode, type TurnCanceller } from "./types.js";

/**
 * Cancel over Redis: a key (so a runner that picks the turn up later still sees it) and a pub/sub message
 * (so the runner executing it now aborts at once). Both carry the mode: the key's value, and the message.
 *
 * On one Redis all turns share one channel (message `<turn id> <mode>`; turn ids have no spaces) over one
 * subscriber connection per process. On Redis Cluster each turn has its own sharded channel (SPUBLISH /
 * SSUBSCRIBE in the turn's slot, message `<mode>`), subscribed while the turn is watched, over one connection
 * per shard; after a failover the cancel keys of the watched turns are read again.
 */
export class RedisTurnCanceller implements TurnCanceller {
  private subscriber: Promise<LiveSubscriber> | undefined;
  private live: LiveSubscriber | undefined;
  private readonly watchers = new Map<string, Set<(mode: CancelMode) => void>>();
  private readonly sharded: boolean;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly log: Logger = silentLogger,
  ) {
    this.sharded = isCluster(redis);
  }

  async cancel(turnId: string, mode: CancelMode = "interrupt"): Promise<void> {
    const keys = turnKeys(this.prefix, turnId);
    await this.redis.set(keys.cancelled, mode, "PX", OPEN_TURN_TTL_MS);
    if (this.sharded) await publishLive(this.redis, keys.cancelLive, mode);
    else await publishLive(this.redis, cancelChannel(this.prefix), `${turnId} ${mode}`);
  }

  private sub(): Promise<LiveSubscriber> {
    this.subscriber ??= openLiveSubscriber(
      this.redis,
      {
        onMessage: (channel, message) => {
          if (this.sharded) {
            const id = this.turnOfChannel(channel);
            if (id !== undefined) this.notify(id, message);
            return;
          }
          const [id = "", mode] = message.split(" ");
          this.notify(id, mode);
        },
        channels: () =>
          this.sharded
            ? [...this.watchers.keys()].map((id) => turnKeys(this.prefix, id).cancelLive)
            : [cancelChannel(this.prefix)],
        // A cancel published while the subscription was down is still in its key.
        onResubscribed: () => {
          for (const id of this.watchers.keys())
            void bestEffort(this.recheck(id), this.log, "re-reading a turn's cancel key");
        },
      },
      this.log,
    ).then(async (sub) => {
      this.live = sub;
      if (!this.sharded) await sub.subscribe(cancelChannel(this.prefix));
      return sub;
    });
    return this.subscriber;
  }

  private turnOfChannel(channel: string): string | undefined {
    const m = /turn:\{(.*)\}:cancel$/.exec(channel);
    return m?.[1];
  }

  private notify(turnId: string, mode: string | undefined): void {
    for (const fn of this.watchers.get(turnId) ?? []) fn(asCancelMode(mode));
  }

  private async recheck(turnId: string): Promise<void> {
    const mode = await this.redis.get(turnKeys(this.prefix, turnId).cancelled);
    if (mode !== null) this.notify(turnId, mode);
  }

  async watch(turnId: string, onCancel: (mode: CancelMode) => void): Promise<() => void> {
    const sub = await this.sub();
    let set = this.watchers.get(turnId);
    if (!set) {
      set = new Set();
      this.watchers.set(turnId, set);
      if (this.sharded) await sub.subscribe(turnKeys(this.prefix, turnId).cancelLive);
    }
    set.add(onCancel);
    const earlier = await this.redis.get(turnKeys(this.prefix, turnId).cancelled);
    if (earlier !== null) onCancel(asCancelMode(earlier));
    return () => {
      set.delete(onCancel);
      if (set.size === 0 && this.watchers.get(turnId) === set) {
        this.watchers.delete(turnId);
        if (this.sharded)
          void bestEffort(
            sub.unsubscribe(turnKeys(this.prefix, turnId).cancelLive),
            this.log,
            "unsubscribing from a turn's cancel channel",
          );
      }
    };
  }

  async close(): Promise<void> {
    this.watchers.clear();
    this.live?.close();
    this.live = undefined;
    this.subscriber = undefined;
  }
}
