import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import type { Redis } from "ioredis";
import { cancelChannel, OPEN_TURN_TTL_MS, turnKeys } from "../keys.js";
import { openSubscriber } from "../subscriber.js";
import { asCancelMode, type CancelMode, type TurnCanceller } from "./types.js";

/**
 * Cancel over Redis: a key (so a runner that picks the turn up later still sees it) and a pub/sub message
 * (so the runner executing it now aborts at once). One subscriber connection per process. Both carry the
 * mode: the key's value, and the message `<turn id> <mode>` (turn ids have no spaces).
 */
export class RedisTurnCanceller implements TurnCanceller {
  private subscriber: Redis | undefined;
  private subscribed: Promise<unknown> | undefined;
  private readonly watchers = new Map<string, Set<(mode: CancelMode) => void>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger = silentLogger,
  ) {}

  async cancel(turnId: string, mode: CancelMode = "interrupt"): Promise<void> {
    await this.redis.set(turnKeys(this.prefix, turnId).cancelled, mode, "PX", OPEN_TURN_TTL_MS);
    await this.redis.publish(cancelChannel(this.prefix), `${turnId} ${mode}`);
  }

  async watch(turnId: string, onCancel: (mode: CancelMode) => void): Promise<() => void> {
    if (!this.subscriber) {
      // One channel for all turns: ioredis may restore it after a reconnect by itself.
      const { sub, ready } = openSubscriber(this.redis, { autoResubscribe: true }, this.log);
      this.subscriber = sub;
      sub.on("message", (_channel: string, message: string) => {
        const [id = "", mode] = message.split(" ");
        for (const fn of this.watchers.get(id) ?? []) fn(asCancelMode(mode));
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
    const earlier = await this.redis.get(turnKeys(this.prefix, turnId).cancelled);
    if (earlier !== null) onCancel(asCancelMode(earlier));
    return () => {
      set.delete(onCancel);
      if (set.size === 0) this.watchers.delete(turnId);
    };
  }

  async close(): Promise<void> {
    this.watchers.clear();
    if (this.subscriber) await bestEffort(this.subscriber.quit(), this.log, "closing the cancel subscriber");
    this.subscriber = undefined;
    this.subscribed = undefined;
  }
}
