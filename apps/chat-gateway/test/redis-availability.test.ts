import { EventEmitter } from "node:events";
import type { RedisClient } from "@acb/turns";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RedisAvailability } from "../src/availability.js";

/** The part of an ioredis client RedisAvailability reads: its status and its close/ready events. */
function fakeRedis(): EventEmitter & { status: string } {
  return Object.assign(new EventEmitter(), { status: "ready" });
}

afterEach(() => vi.useRealTimers());

describe("RedisAvailability", () => {
  it("gives a reconnect in progress its wait, and answers at once once Redis has been lost past the grace", async () => {
    vi.useFakeTimers();
    const redis = fakeRedis();
    const availability = new RedisAvailability(redis as unknown as RedisClient, 1_000);
    const settled = (p: Promise<boolean>) => {
      const state = { value: undefined as boolean | undefined };
      void p.then((v) => (state.value = v));
      return state;
    };

    // A blip: the request waits for the reconnect and goes on.
    redis.status = "reconnecting";
    redis.emit("close");
    const during = settled(availability.waitUntilAvailable(1_200));
    await vi.advanceTimersByTimeAsync(300);
    expect(during.value).toBeUndefined();
    redis.status = "ready";
    redis.emit("ready");
    await vi.advanceTimersByTimeAsync(0);
    expect(during.value).toBe(true);

    // An outage: past the grace, a request is refused without waiting for a reconnect that is not coming.
    redis.status = "reconnecting";
    redis.emit("close");
    await vi.advanceTimersByTimeAsync(1_000);
    const afterGrace = settled(availability.waitUntilAvailable(1_200));
    await vi.advanceTimersByTimeAsync(0);
    expect(afterGrace.value).toBe(false);

    // Back: requests go through again.
    redis.status = "ready";
    redis.emit("ready");
    expect(await availability.waitUntilAvailable(1_200)).toBe(true);
  });
});
