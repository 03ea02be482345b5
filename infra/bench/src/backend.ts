/**
 * Where the services' Redis lives in a bench run: one redis-server (REDIS_URL) or a Redis Cluster
 * (REDIS_CLUSTER_NODES). The bench measures Redis per master (CPU, command stats, connections), so a single
 * Redis is a backend of one master.
 */
import type { PrivateRedisCluster } from "@acb/testkit";
import { connectRedis, type RedisClient } from "@acb/turns";
import { Redis } from "ioredis";
import { redisCommandStats, redisCpu, type RedisCost } from "./procs.js";

export interface RedisBackend {
  readonly kind: "redis" | "cluster";
  /** The services' setting: `{ REDIS_URL }` or `{ REDIS_CLUSTER_NODES }`. */
  readonly env: Record<string, string>;
  /** A command client of the bench (appends through the turn protocol's own code, owner records). */
  connect(connectionName: string): RedisClient;
  /** One admin connection per master now (a cluster's masters are looked up each time): INFO, CONFIG RESETSTAT, CLIENT LIST, FLUSHDB. */
  masters(): readonly Redis[];
}

export function singleRedis(url: string, admin: Redis): RedisBackend {
  return {
    kind: "redis",
    env: { REDIS_URL: url },
    connect: (connectionName) => new Redis(url, { maxRetriesPerRequest: null, connectionName }),
    masters: () => [admin],
  };
}

/** A cluster backend; its admin connections are closed by the returned `close`. */
export function clusterRedis(cluster: PrivateRedisCluster): RedisBackend & { close(): void } {
  const admins = new Map<number, Redis>();
  const adminOf = (port: number): Redis => {
    let a = admins.get(port);
    if (a === undefined) {
      a = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: null, connectionName: "acb-bench-admin" });
      admins.set(port, a);
    }
    return a;
  };
  const nodes = cluster.nodesEnv
    .split(",")
    .map((hp) => ({ host: hp.split(":")[0] ?? "127.0.0.1", port: Number(hp.split(":")[1]) }));
  return {
    kind: "cluster",
    env: { REDIS_CLUSTER_NODES: cluster.nodesEnv },
    connect: (connectionName) =>
      connectRedis({ kind: "cluster", nodes }, { maxRetriesPerRequest: null, connectionName }),
    masters: () =>
      cluster
        .masters()
        .sort((a, b) => a - b)
        .map(adminOf),
    close: () => {
      for (const a of admins.values()) a.disconnect();
    },
  };
}

export async function resetStats(b: RedisBackend): Promise<void> {
  await Promise.all(b.masters().map((m) => m.config("RESETSTAT")));
}

/** CPU seconds (user + sys) of each master so far. */
export async function cpuPerMaster(b: RedisBackend): Promise<number[]> {
  return await Promise.all(b.masters().map((m) => redisCpu(m)));
}

/** Command stats of every master since the last reset, summed per command (µs per call recomputed). */
export async function commandStats(b: RedisBackend): Promise<RedisCost["commands"]> {
  const out: RedisCost["commands"] = {};
  for (const stats of await Promise.all(b.masters().map((m) => redisCommandStats(m)))) {
    for (const [name, v] of Object.entries(stats)) {
      const sum = out[name] ?? { calls: 0, usec: 0, usecPerCall: 0 };
      sum.calls += v.calls;
      sum.usec += v.usec;
      sum.usecPerCall = sum.calls > 0 ? Math.round((sum.usec / sum.calls) * 100) / 100 : 0;
      out[name] = sum;
    }
  }
  return out;
}

export async function flushAll(b: RedisBackend): Promise<void> {
  await Promise.all(b.masters().map((m) => m.flushdb()));
}

/** Whether the masters are still the same nodes (a failover mid-measurement makes per-master figures meaningless). */
export function sameMasters(before: readonly Redis[], after: readonly Redis[]): boolean {
  return before.length === after.length && before.every((m, i) => m === after[i]);
}
