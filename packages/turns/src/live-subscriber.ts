import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import { RedisStateLog } from "@acb/telemetry";
import type { Cluster } from "ioredis";
import { isCluster, shardedSubscriberClient, type RedisClient } from "./redis-connection.js";
import { openSubscriber } from "./subscriber.js";

/**
 * Per-turn live channels over a bounded number of subscriber connections, on one Redis (SUBSCRIBE, one
 * connection per process) or on a Redis Cluster (SSUBSCRIBE, one connection per shard that owns a subscribed
 * channel, so a message never crosses the cluster bus to every node as PUBLISH does).
 *
 * Either way a subscription can be lost (a reconnect, a failover, a slot moved): the subscriber subscribes every
 * channel again and then calls `onResubscribed`, so the caller re-reads what it may have missed from the durable
 * state (the turn's stream, the cancel key).
 */
export interface LiveSubscriber {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  /** Subscriber connections held now. */
  connections(): number;
  close(): void;
}

export interface LiveSubscriberHooks {
  onMessage(channel: string, message: string): void;
  onResubscribed(): void;
  /** Every channel that should be subscribed now. */
  channels(): string[];
}

/** `SPUBLISH` on Cluster (the channel lives in its slot's shard), `PUBLISH` on one Redis. */
export function publishLive(redis: RedisClient, channel: string, message: string): Promise<unknown> {
  return isCluster(redis) ? redis.spublish(channel, message) : redis.publish(channel, message);
}

export async function openLiveSubscriber(
  command: RedisClient,
  hooks: LiveSubscriberHooks,
  log: Logger = silentLogger,
): Promise<LiveSubscriber> {
  return isCluster(command) ? await openSharded(command, hooks, log) : await openPlain(command, hooks, log);
}

async function openPlain(
  command: Exclude<RedisClient, Cluster>,
  hooks: LiveSubscriberHooks,
  log: Logger,
): Promise<LiveSubscriber> {
  // ioredis does not re-subscribe it after a reconnect: the `ready` handler below does (see openSubscriber).
  const { sub, ready } = openSubscriber(command, log);
  sub.on("message", (channel: string, message: string) => hooks.onMessage(channel, message));
  await ready;
  sub.on("ready", () => {
    // Whatever ioredis restored, a SUBSCRIBE that was in flight may not be among it; subscribing twice is harmless.
    void (async () => {
      const channels = hooks.channels();
      for (let i = 0; i < channels.length; i += 1_000)
        await bestEffort(sub.subscribe(...channels.slice(i, i + 1_000)), log, "re-subscribing after a reconnect");
      hooks.onResubscribed();
    })();
  });
  return {
    subscribe: (channel) => sub.subscribe(channel),
    unsubscribe: (channel) => sub.unsubscribe(channel),
    connections: () => 1,
    close: () => sub.disconnect(),
  };
}

async function openSharded(command: Cluster, hooks: LiveSubscriberHooks, log: Logger): Promise<LiveSubscriber> {
  const sub = shardedSubscriberClient(command);
  const state = new RedisStateLog(log, "sharded subscriber").watchClient(sub as never);
  let shards = 0;
  sub.on("+subscriber", () => (shards += 1));
  sub.on("-subscriber", () => (shards = Math.max(0, shards - 1)));
  sub.on("smessage", (channel: string, message: string) => hooks.onMessage(channel, message));
  // Every shard connection's errors, each reconnect attempt included: a line per state change, not per error.
  sub.on("nodeError", (err: unknown) => state.error(err));
  let first = true;
  sub.on("subscribersReady", () => {
    // The first one is the initial connect; later ones follow a topology change (failover, moved slot) after which
    // ioredis re-sent every SSUBSCRIBE without waiting for them. Subscribe again and wait (same connection, in
    // order), so the catch-up that follows cannot run ahead of the subscription.
    if (first) {
      first = false;
      return;
    }
    void (async () => {
      await Promise.all(
        hooks
          .channels()
          .map((c) => bestEffort(sub.ssubscribe(c), log, "re-subscribing a shard channel after a topology change")),
      );
      hooks.onResubscribed();
    })();
  });
  if (sub.status !== "ready") await new Promise<void>((resolve) => sub.once("ready", () => resolve()));
  return {
    subscribe: (channel) => sub.ssubscribe(channel),
    unsubscribe: (channel) => sub.sunsubscribe(channel),
    connections: () => shards,
    close: () => sub.disconnect(),
  };
}
