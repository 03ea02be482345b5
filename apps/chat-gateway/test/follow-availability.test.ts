import type { LoggedTurnEvent } from "@acb/schemas";
import { describe, expect, it } from "vitest";
import { followWhileAvailable, type Availability } from "../src/availability.js";

/** An availability whose loss the test triggers. */
function fakeAvailability(): Availability & { lose(): void } {
  const listeners = new Set<() => void>();
  let up = true;
  return {
    available: () => up,
    waitUntilAvailable: async () => up,
    onLost(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    lose() {
      up = false;
      for (const l of [...listeners]) l();
    },
  };
}

/** A follower that yields `entries`, then waits until its signal aborts (as the live fan-out does). */
function follower(entries: LoggedTurnEvent[], seen: AbortSignal[]) {
  return async function* (_afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    seen.push(signal);
    yield* entries;
    await new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true }),
    );
  };
}

const token = (id: string): LoggedTurnEvent => ({ id, event: { event: "token", data: id } });

describe("followWhileAvailable", () => {
  it("ends an open stream with error + done at the last delivered id when Redis is lost, and lets go of the follower underneath", async () => {
    const availability = fakeAvailability();
    const seen: AbortSignal[] = [];
    const client = new AbortController();
    const got: LoggedTurnEvent[] = [];
    for await (const e of followWhileAvailable(
      follower([token("1-0"), token("2-0")], seen),
      client.signal,
      availability,
      "s1",
      "0",
    )) {
      got.push(e);
      if (e.id === "2-0") setTimeout(() => availability.lose(), 10);
    }
    expect(got.map((e) => [e.id, e.event.event])).toEqual([
      ["1-0", "token"],
      ["2-0", "token"],
      ["2-0", "error"],
      ["2-0", "done"],
    ]);
    expect(seen[0]?.aborted).toBe(true);
    expect(client.signal.aborted).toBe(false);
  });

  it("aborts the follower underneath when the caller's signal aborts (the client left)", async () => {
    const seen: AbortSignal[] = [];
    const client = new AbortController();
    const got: string[] = [];
    for await (const e of followWhileAvailable(
      follower([token("1-0")], seen),
      client.signal,
      fakeAvailability(),
      "s1",
      "0",
    )) {
      got.push(e.id);
      client.abort();
    }
    expect(got).toEqual(["1-0"]);
    expect(seen[0]?.aborted).toBe(true);
  });

  it("holds no listener on the caller's signal after the stream ended (one per open stream, not one per event)", async () => {
    const seen: AbortSignal[] = [];
    const client = new AbortController();
    let added = 0;
    let removed = 0;
    const add = client.signal.addEventListener.bind(client.signal);
    const remove = client.signal.removeEventListener.bind(client.signal);
    client.signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
    client.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (
      removed++,
      remove(...a)
    )) as typeof remove;
    const availability = fakeAvailability();
    const many = Array.from({ length: 50 }, (_, i) => token(`${i + 1}-0`));
    let n = 0;
    for await (const e of followWhileAvailable(follower(many, seen), client.signal, availability, "s1", "0")) {
      n += 1;
      if (e.id === "50-0") availability.lose();
    }
    expect(n).toBe(52);
    expect(added).toBeLessThanOrEqual(1);
    expect(removed).toBe(added);
  });
});
