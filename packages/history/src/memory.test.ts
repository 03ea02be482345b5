import { HumanMessage } from "@langchain/core/messages";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_HISTORY_OPTIONS, InMemoryChatHistoryStore } from "./index.js";
import { describeHistoryContract } from "./test/history-contract.js";

/** The in-memory store reads `Date.now()`: the expiry case moves a fake clock on instead of sleeping. */
async function advanceClock(ms: number): Promise<void> {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + ms);
}
afterEach(() => {
  vi.useRealTimers();
});

describeHistoryContract(
  "in-memory",
  (options) => new InMemoryChatHistoryStore(options),
  async () => {},
  advanceClock,
);

describe("InMemoryChatHistoryStore options", () => {
  it("uses the documented defaults", () => {
    expect(DEFAULT_HISTORY_OPTIONS).toEqual({
      keyPrefix: "acb:",
      maxMessages: 200,
      ttlSeconds: 604800,
      maxBytes: 1048576,
      maxToolResultBytes: 8192,
    });
    expect(new InMemoryChatHistoryStore().options).toEqual(DEFAULT_HISTORY_OPTIONS);
    expect(new InMemoryChatHistoryStore({ maxMessages: 3, ttlSeconds: undefined }).options).toEqual({
      ...DEFAULT_HISTORY_OPTIONS,
      maxMessages: 3,
    });
  });

  it("rejects nonsensical options", () => {
    expect(() => new InMemoryChatHistoryStore({ maxMessages: 0 })).toThrow(RangeError);
    expect(() => new InMemoryChatHistoryStore({ maxMessages: 1.5 })).toThrow(RangeError);
    expect(() => new InMemoryChatHistoryStore({ ttlSeconds: -1 })).toThrow(RangeError);
  });

  it("ttlSeconds 0 never expires", async () => {
    const store = new InMemoryChatHistoryStore({ ttlSeconds: 0 });
    await store.commitTurn("s1", "turn-0001", [new HumanMessage("hi")]);
    expect(await store.getMessages("s1")).toHaveLength(1);
  });
});
