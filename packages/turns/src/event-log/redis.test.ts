import type { LoggedTurnEvent } from "@acb/schemas";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { freshPrefix, usePrivateRedis } from "../__tests__/redis.js";
import { newTurnId } from "../ids.js";
import { turnKeys } from "../keys.js";
import { describeEventLogContract } from "./__tests__/contract.js";
import { encodeEvent } from "./codec.js";
import { RedisTurnEventLog } from "./redis.js";

const { connect } = usePrivateRedis();

describeEventLogContract("redis streams", () => ({
  make: async (options) => new RedisTurnEventLog(connect(), { prefix: freshPrefix("t"), ...options }),
  teardown: async () => undefined,
}));

async function clientCount(admin: Redis): Promise<number> {
  const list = String(await admin.client("LIST"));
  return list.split("\n").filter((l) => l.trim() !== "").length;
}

describe("RedisTurnEventLog specifics", () => {
  it("keys carry the turn id as a hash tag and expire after done", async () => {
    const r = connect();
    const log = new RedisTurnEventLog(r, { prefix: "acb:", retentionMs: 5_000 });
    const turn = newTurnId();
    await log.append(turn, { event: "token", data: "x" });
    const keys = turnKeys("acb:", turn);
    expect(keys.events).toBe(`acb:turn:{${turn}}:events`);
    const openTtl = await r.pttl(keys.events);
    expect(openTtl).toBeGreaterThan(3_600_000);
    await log.append(turn, { event: "done", data: "s" });
    const ttl = await r.pttl(keys.events);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
    await log.close();
  });

  it("skips entries that are not events instead of failing the reader", async () => {
    const r = connect();
    const log = new RedisTurnEventLog(r, { prefix: "bad:" });
    const turn = newTurnId();
    await log.append(turn, { event: "token", data: "a" });
    await r.xadd(turnKeys("bad:", turn).events, "*", "e", "bogus", "d", "x");
    await log.append(turn, { event: "done", data: "s" });
    const seen: LoggedTurnEvent[] = [];
    for await (const e of log.follow(turn, "0", AbortSignal.timeout(5_000))) seen.push(e);
    expect(seen.map((e) => e.event.event)).toEqual(["token", "done"]);
    await log.close();
  });

  it("follows hundreds of streams over one subscriber connection, and a new follower starts at once", async () => {
    const admin = connect();
    const command = connect();
    const log = new RedisTurnEventLog(command, { prefix: "mux:" });
    const before = await clientCount(admin);
    const turns = Array.from({ length: 1000 }, () => newTurnId());
    const results = turns.map(async (turn) => {
      const got: string[] = [];
      for await (const e of log.follow(turn, "0", AbortSignal.timeout(20_000))) got.push(e.event.data);
      return got;
    });
    // all thousand are subscribed (their channels exist) before the late follower's clock starts
    for (let i = 0; i < 500 && (await admin.pubsub("CHANNELS", "mux:*")).length < turns.length; i++)
      await new Promise((r) => setTimeout(r, 20));
    const during = await clientCount(admin);
    expect(during - before).toBeLessThanOrEqual(1);
    expect(log.readerConnections()).toBe(1);
    // A follower that joins while a thousand others are subscribed gets its events at once: it subscribes to its
    // own turn's channel (the append script PUBLISHes each entry there) and catches up with XRANGE, waiting on nobody.
    const late = newTurnId();
    const started = Date.now();
    const lateSeen = (async () => {
      for await (const e of log.follow(late, "0", AbortSignal.timeout(20_000)))
        if (e.event.event === "done") return Date.now() - started;
      return -1;
    })();
    await new Promise((r) => setTimeout(r, 20));
    await log.append(late, { event: "done", data: "late" });
    expect(await lateSeen).toBeLessThan(1_000);
    await Promise.all(
      turns.map(async (turn, i) => {
        await log.append(turn, { event: "token", data: `t${i}` });
        await log.append(turn, { event: "done", data: `s${i}` });
      }),
    );
    const all = await Promise.all(results);
    all.forEach((got, i) => expect(got).toEqual([`t${i}`, `s${i}`]));
    await log.close();
  });
});

/** A log on a fresh connection, a turn followed from the start, and its first token already delivered live. */
async function followingAfterFirst(prefix: string, first: string) {
  const command = connect();
  const log = new RedisTurnEventLog(command, { prefix });
  const turn = newTurnId();
  const got: string[] = [];
  const following = (async () => {
    for await (const e of log.follow(turn, "0", AbortSignal.timeout(20_000))) got.push(e.event.data);
  })();
  await log.append(turn, { event: "token", data: first });
  while (got.length < 1) await new Promise((r) => setTimeout(r, 10));
  return { log, command, turn, got, following };
}

describe("LiveFanout races", () => {
  it("followers joining while a turn streams fast each get every entry once, in order", async () => {
    const log = new RedisTurnEventLog(connect(), { prefix: "race:" });
    const turn = newTurnId();
    const followers: Array<Promise<string[]>> = [];
    const writer = (async () => {
      for (let i = 0; i < 400; i++) {
        await log.append(turn, { event: "token", data: String(i) });
        if (i % 40 === 0) {
          followers.push(
            (async () => {
              const got: string[] = [];
              for await (const e of log.follow(turn, "0", AbortSignal.timeout(20_000))) got.push(e.event.data);
              return got;
            })(),
          );
        }
      }
      await log.append(turn, { event: "done", data: "s" });
    })();
    await writer;
    const expected = [...Array.from({ length: 400 }, (_, i) => String(i)), "s"];
    for (const got of await Promise.all(followers)) expect(got).toEqual(expected);
    await log.close();
  });

  it("a subscriber connection that drops loses nothing: followers catch up from the stream", async () => {
    const admin = connect();
    const { log, turn, got, following } = await followingAfterFirst("drop:", "before");
    await admin.client("KILL", "TYPE", "pubsub");
    for (let i = 0; i < 5; i++) await log.append(turn, { event: "token", data: `during-${i}` });
    await new Promise((r) => setTimeout(r, 500));
    await log.append(turn, { event: "token", data: "after" });
    await log.append(turn, { event: "done", data: "s" });
    await following;
    expect(got).toEqual(["before", "during-0", "during-1", "during-2", "during-3", "during-4", "after", "s"]);
    await log.close();
  });

  it("an entry whose live message never arrived is read from the stream: no gap, nothing twice", async () => {
    // What a Cluster failover can do: the subscription is lost and renewed, and the entries published in between
    // never reach the follower, while the next ones do. Here an entry is written to the stream without its message.
    const { log, command, turn, got, following } = await followingAfterFirst("gap:", "a");
    await command.xadd(turnKeys("gap:", turn).events, "*", ...encodeEvent({ event: "token", data: "unannounced" }));
    await log.append(turn, { event: "token", data: "b" });
    await log.append(turn, { event: "done", data: "s" });
    await following;
    expect(got).toEqual(["a", "unannounced", "b", "s"]);
    await log.close();
  });
});
