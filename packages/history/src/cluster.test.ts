/** The history store's commit and append scripts on a real Redis Cluster (3 masters, no failover needed): no CROSSSLOT. */
import { startRedisCluster, type PrivateRedisCluster } from "@acb/testkit";
import { Cluster } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { RedisChatHistoryStore } from "./index.js";
import { describeHistoryContract } from "./test/history-contract.js";

let cluster: PrivateRedisCluster;
let redis: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 0 });
  redis = new Cluster(
    cluster.nodesEnv.split(",").map((hp) => ({ host: "127.0.0.1", port: Number(hp.split(":")[1]) })),
    { redisOptions: { maxRetriesPerRequest: 1 } },
  );
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

// Each case uses its own random session id, so nothing needs flushing between them (FLUSHDB reaches one node only).
describeHistoryContract(
  "redis cluster",
  (options) => new RedisChatHistoryStore(redis, options),
  async () => undefined,
);
