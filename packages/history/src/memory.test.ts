import { HumanMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { DEFAULT_HISTORY_OPTIONS, InMemoryChatHistoryStore } from "./index.js";
import { describeHistoryContract } from "./test/history-contract.js";

describeHistoryContract("in-memory", (options) => new InMemoryChatHistoryStore(options));

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
