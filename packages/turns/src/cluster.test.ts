/**
 * The Redis adapters on a real Redis Cluster (3 masters, 3 replicas on loopback): every contract suite, the
 * one-slot rule of every script, sharded fan-out over one connection per shard, and a failover mid-stream.
 */
import type { LoggedTurnEvent } from "@acb/schemas";
import { startRedisCluster, type PrivateRedisCluster } from "@acb/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshPrefix } from "./__tests__/redis.js";
import { describeCancellerContract } from "./cancel/__tests__/contract.js";
import { RedisTurnCanceller } from "./cancel/redis.js";
import { describeEventLogContract } from "./event-log/__tests__/contract.js";
import { RedisTurnEventLog } from "./event-log/redis.js";
import { newTurnId } from "./ids.js";
import { describeJournalContract } from "./journal/__tests__/contract.js";
import { RedisTurnJournal } from "./journal/redis.js";
import { turnKeys } from "./keys.js";
import { describeTurnLimitsContract } from "./limits/__tests__/contract.js";
import { RedisTurnLimits } from "./limits/redis.js";
import { describeTurnOwnersContract } from "./owners/__tests__/contract.js";
import { RedisTurnOwners } from "./owners/redis.js";
import { bullQueueHarness, describeTurnQueueContract } from "./queue/__tests__/contract.js";
import { connectRedis, type RedisClient } from "./redis-connection.js";
import { describeSessionTurnsContract } from "./sessions/__tests__/contract.js";
import { RedisSessionTurns, sessionTurnKeys } from "./sessions/redis.js";
import { describeUsageMeterContract } from "./usage/__tests__/contract.js";
import { RedisUsageMeter } from "./usage/redis.js";

let cluster: PrivateRedisCluster;
const opened: RedisClient[] = [];
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  for (const r of opened) r.disconnect();
  await cluster?.stop();
});
const connect = (): RedisClient => {
  const nodes = cluster.nodesEnv.split(",").map((hp) => ({ host: "127.0.0.1", port: Number(hp.split(":")[1]) }));
  const r = connectRedis({ kind: "cluster", nodes }, { maxRetriesPerRequest: null });
  opened.push(r);
  return r;
};

describeEventLogContract("redis cluster", () => ({
  make: async (options) => new RedisTurnEventLog(connect(), { prefix: freshPrefix("t"), ...options }),
  teardown: async () => undefined,
}));
describeCancellerContract("redis cluster", () => ({
  make: async () => {
    const prefix = freshPrefix("c");
    return [new RedisTurnCanceller(connect(), prefix), new RedisTurnCanceller(connect(), prefix)];
  },
}));
describeSessionTurnsContract("redis cluster", () => ({
  make: async (graceMs) => {
    const prefix = freshPrefix("st");
    return [
      new RedisSessionTurns(connect(), prefix, { graceMs }),
      new RedisSessionTurns(connect(), prefix, { graceMs }),
    ];
  },
}));
describeTurnLimitsContract("redis cluster", async () => new RedisTurnLimits(connect(), freshPrefix("l")));
describeJournalContract("redis cluster", () => {
  const prefix = freshPrefix("j");
  return [new RedisTurnJournal(connect(), prefix), new RedisTurnJournal(connect(), prefix)];
});
describeTurnOwnersContract("redis cluster", async () => new RedisTurnOwners(connect(), freshPrefix("o")));
describeUsageMeterContract("redis cluster", async () => new RedisUsageMeter(connect(), freshPrefix("u")));
describeTurnQueueContract("bullmq on redis cluster", () => bullQueueHarness(connect));

describe("one slot per script (Redis Cluster refuses a script whose keys cross slots)", () => {
  const slot = async (redis: RedisClient, key: string): Promise<number> => Number(await redis.cluster("KEYSLOT", key));

  it("every key and channel each script is called with hashes to the same slot", async () => {
    const redis = connect();
    const turnId = newTurnId();
    const t = turnKeys("acb:", turnId);
    const limits = new RedisTurnLimits(redis, "acb:").bucketKeys("t.acme");
    const session = sessionTurnKeys("acb:", "t.acme:my-session");
    const calls: Record<string, string[]> = {
      "event-log/append.lua (stream, ended, live channel)": [t.events, t.ended, t.live],
      "cancel channel and key": [t.cancelled, t.cancelLive],
      "limits/admit.lua (rate, active)": [limits.rate, limits.active],
      "sessions/submit.lua and settle.lua (active, waiting)": [session.active, session.waiting],
      "history commit/append (messages, turns)": [`acb:history:{t.acme:s1}`, `acb:history:{t.acme:s1}:turns`],
    };
    for (const [script, keys] of Object.entries(calls)) {
      const slots = new Set(await Promise.all(keys.map((k) => slot(redis, k))));
      expect({ script, slots: slots.size }).toEqual({ script, slots: 1 });
    }
  });

  it("a script called with keys of two slots fails with CROSSSLOT (so running the scripts above proves the rule)", async () => {
    const redis = connect();
    const a = turnKeys("x:", "turn-a");
    const b = turnKeys("x:", "turn-b");
    expect(await slot(redis, a.events)).not.toBe(await slot(redis, b.ended));
    await expect(redis.eval("return redis.call('EXISTS', KEYS[1], KEYS[2])", 2, a.events, b.ended)).rejects.toThrow(
      /CROSSSLOT/,
    );
  });
});

async function take(it: AsyncIterator<LoggedTurnEvent>, n: number): Promise<LoggedTurnEvent[]> {
  const out: LoggedTurnEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe("sharded fan-out", () => {
  it("300 followed turns over at most one subscriber connection per master, SSUBSCRIBE'd on the shard of each turn", async () => {
    const writer = new RedisTurnEventLog(connect(), { prefix: "fan:" });
    const reader = new RedisTurnEventLog(connect(), { prefix: "fan:" });
    const ids = Array.from({ length: 300 }, () => newTurnId());
    const abort = new AbortController();
    const streams = ids.map((id) => reader.follow(id, "0", abort.signal)[Symbol.asyncIterator]());
    const firsts = streams.map((s) => take(s, 1));
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all(ids.map((id) => writer.append(id, { event: "token", data: id })));
    const got = await Promise.all(firsts);
    expect(got.map((g) => g[0]?.event.data)).toEqual(ids);
    expect(reader.readerConnections()).toBeGreaterThan(0);
    expect(reader.readerConnections()).toBeLessThanOrEqual(3);
    // What Redis sees: shard-channel subscribers on each master (CLIENT LIST, `ssub=` counts sharded channels).
    const perMaster = cluster.masters().map(
      (port) =>
        cluster
          .cli(port, "CLIENT", "LIST")
          .split("\n")
          .filter((l) => /ssub=[1-9]/.test(l)).length,
    );
    expect(perMaster.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3);
    abort.abort();
    await reader.close();
  });

  it("a follower gets every entry exactly once, in order, across a CLUSTER FAILOVER of its turn's master", async () => {
    const writer = new RedisTurnEventLog(connect(), { prefix: "fo:" });
    const reader = new RedisTurnEventLog(connect(), { prefix: "fo:" });
    const id = newTurnId();
    const abort = new AbortController();
    const seen: string[] = [];
    const followed = (async () => {
      for await (const e of reader.follow(id, "0", abort.signal)) {
        seen.push(e.event.event === "token" ? e.event.data : e.event.event);
      }
    })();
    const expected: string[] = [];
    const append = async (i: number): Promise<void> => {
      // Appends retry through the failover (the runner's connection has maxRetriesPerRequest: null).
      await writer.append(id, { event: "token", data: `t${i}` });
      expected.push(`t${i}`);
    };
    for (let i = 0; i < 20; i++) await append(i);
    const slot = Number(
      cluster.cli(cluster.masters()[0] ?? 0, "CLUSTER", "KEYSLOT", turnKeys("fo:", id).events).trim(),
    );
    const owner = cluster
      .masters()
      .find((port) => cluster.cli(port, "CLUSTER", "COUNTKEYSINSLOT", String(slot)).trim() !== "0");
    expect(owner).toBeDefined();
    const replica = cluster.replicaOf(owner ?? 0);
    expect(replica).toBeDefined();
    expect(cluster.cli(replica ?? 0, "CLUSTER", "FAILOVER").trim()).toBe("OK");
    for (let i = 20; i < 60; i++) {
      await append(i);
      await new Promise((r) => setTimeout(r, 50));
    }
    await writer.append(id, { event: "done", data: "" });
    expected.push("done");
    await Promise.race([
      followed,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`stream did not end; saw ${seen.length}`)), 15_000)),
    ]);
    expect(seen).toEqual(expected);
    expect(cluster.masters()).toContain(replica);
    abort.abort();
    await reader.close();
  }, 30_000);
});
