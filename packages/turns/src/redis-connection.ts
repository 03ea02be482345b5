import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

/**
 * The one place where connections to Redis are made, for every service (gateway, runner, history, tests).
 *
 * Two deployments: one Redis server (`REDIS_URL`), or a Redis Cluster (`REDIS_CLUSTER_NODES=host:port,…`, chosen
 * explicitly, never by probing). Every adapter takes a `RedisClient`, so the same code runs on both; what differs
 * is the live fan-out and the cancel channel (sharded pub/sub on Cluster, see `event-log/live-subscriber.ts`).
 */
export type RedisClient = Redis | Cluster;

export type RedisTarget =
  | { readonly kind: "single"; readonly url: string }
  | { readonly kind: "cluster"; readonly nodes: ReadonlyArray<{ readonly host: string; readonly port: number }> };

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * Parses `host:port,host:port,…` (REDIS_CLUSTER_NODES). A few reachable nodes are enough: the client learns the
 * rest of the cluster from them. Errors name the entry, never echo more than it.
 */
export function parseClusterNodes(
  value: string,
): { ok: true; nodes: Array<{ host: string; port: number }> } | { ok: false; message: string } {
  const entries = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (entries.length === 0) return { ok: false, message: "expected host:port[,host:port…]" };
  const nodes: Array<{ host: string; port: number }> = [];
  for (const entry of entries) {
    const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(entry);
    const port = Number(m?.[2]);
    if (!m || !Number.isInteger(port) || port < 1 || port > 65_535)
      return { ok: false, message: `expected host:port, got an entry of ${entry.length} characters` };
    nodes.push({ host: (m[1] ?? "").replace(/^\[|\]$/g, ""), port });
  }
  return { ok: true, nodes };
}

/**
 * A command connection. The options are a single server's (`RedisOptions`); on Cluster they apply to every node
 * connection (`redisOptions`), and the offline-queue choice also to the cluster client itself, so the gateway's
 * fail-fast settings hold in both modes.
 */
export function connectRedis(target: RedisTarget, options: RedisOptions): RedisClient {
  if (target.kind === "single") return new Redis(target.url, options);
  const clusterOptions: ClusterOptions = {
    redisOptions: options,
    ...(options.enableOfflineQueue !== undefined ? { enableOfflineQueue: options.enableOfflineQueue } : {}),
    // A failover takes the cluster ~node-timeout to settle: keep retrying commands a little longer than ioredis' default.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    // Notice a changed topology (a failover) even when no command is redirected.
    slotsRefreshInterval: 2_000,
  };
  return new Cluster([...target.nodes], clusterOptions);
}

/**
 * A second client to the same deployment for sharded pub/sub (Cluster only): one subscriber connection per shard
 * that owns subscribed channels, re-subscribed by ioredis after a slot moves or a node fails over
 * (`subscribersReady`).
 */
export function shardedSubscriberClient(cluster: Cluster): Cluster {
  // duplicate() keeps the cluster's own options (its connection name, its slots refresh interval): only what a
  // subscriber needs differently is set here.
  const redisOptions: RedisOptions = {
    ...cluster.options.redisOptions,
    maxRetriesPerRequest: null,
    commandTimeout: undefined,
  };
  return cluster.duplicate(undefined, { shardedSubscribers: true, enableOfflineQueue: true, redisOptions });
}

/**
 * The deployment from the two settings: REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), never
 * both; neither is `undefined` (the gateway's embedded mode). Messages name the setting, never echo its value.
 */
export function redisTargetFromEnv(
  url: string | undefined,
  clusterNodes: string | undefined,
): { ok: true; value: RedisTarget | undefined } | { ok: false; message: string } {
  if (clusterNodes === undefined) return { ok: true, value: url === undefined ? undefined : { kind: "single", url } };
  if (url !== undefined)
    return {
      ok: false,
      message: "invalid configuration: set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both",
    };
  const parsed = parseClusterNodes(clusterNodes);
  if (!parsed.ok) return { ok: false, message: `invalid configuration: REDIS_CLUSTER_NODES: ${parsed.message}` };
  return { ok: true, value: { kind: "cluster", nodes: parsed.nodes } };
}
