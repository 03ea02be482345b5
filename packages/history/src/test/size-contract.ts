import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import type { ChatHistoryStore, HistoryOptions } from "../index.js";
import { sid } from "./history-contract.js";

type MakeStore = (options?: Partial<HistoryOptions>) => ChatHistoryStore | Promise<ChatHistoryStore>;

const bytesOf = (messages: BaseMessage[]): number =>
  messages.reduce(
    (n, m) => n + Buffer.byteLength(typeof m.content === "string" ? m.content : JSON.stringify(m.content)),
    0,
  );

/** A tool-using turn whose tool answered `resultBytes` bytes. */
function toolTurn(n: number, resultBytes: number): BaseMessage[] {
  return [
    new HumanMessage(`read file ${n}`),
    new AIMessage({
      content: "",
      tool_calls: [{ id: `call_${n}`, name: "read_text", args: { path: `f${n}.txt` }, type: "tool_call" }],
    }),
    new ToolMessage({ content: "x".repeat(resultBytes), tool_call_id: `call_${n}`, name: "read_text" }),
    new AIMessage(`the file ${n} is long`),
  ];
}

/** The size bounds every ChatHistoryStore adapter keeps: HISTORY_MAX_BYTES and HISTORY_MAX_TOOL_RESULT_BYTES. */
export function describeHistorySizeContract(name: string, makeStore: MakeStore): void {
  describe(`ChatHistoryStore size bounds: ${name}`, () => {
    it("stores a tool result cut to maxToolResultBytes, with a marker saying how much the tool returned", async () => {
      const store = await makeStore({ maxToolResultBytes: 8 * 1024 });
      const s = sid("cut");
      await store.commitTurn(s, "turn-0001", toolTurn(1, 4 * 1024 * 1024));
      const [human, call, tool, answer] = await store.getMessages(s);
      expect(human?.content).toBe("read file 1");
      expect(call?.getType()).toBe("ai");
      expect(tool?.getType()).toBe("tool");
      const text = String(tool?.content);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(8 * 1024 + 200);
      expect(text.startsWith("x".repeat(1000))).toBe(true);
      expect(text).toContain("4194304 bytes");
      expect((tool as ToolMessage).tool_call_id).toBe("call_1");
      expect(answer?.content).toBe("the file 1 is long");
    });

    it("leaves a small tool result whole", async () => {
      const store = await makeStore({ maxToolResultBytes: 8 * 1024 });
      const s = sid("small");
      await store.commitTurn(s, "turn-0001", toolTurn(1, 100));
      expect(String((await store.getMessages(s))[2]?.content)).toBe("x".repeat(100));
    });

    it("drops the oldest whole turns once a session holds more than maxBytes", async () => {
      const store = await makeStore({ maxBytes: 64 * 1024, maxToolResultBytes: 8 * 1024 });
      const s = sid("bytes");
      for (let i = 1; i <= 30; i++) {
        await store.commitTurn(s, `turn-000${i}`, [
          new HumanMessage(`q${i} ${"y".repeat(4000)}`),
          new AIMessage(`a${i} ${"z".repeat(4000)}`),
        ]);
      }
      const kept = await store.getMessages(s);
      expect(bytesOf(kept)).toBeLessThanOrEqual(64 * 1024);
      // Whole turns: the history starts with a question and ends with the newest answer.
      expect(kept[0]?.getType()).toBe("human");
      expect(kept.length % 2).toBe(0);
      expect(String(kept.at(-1)?.content)).toMatch(/^a30 /);
      expect(kept.length).toBeGreaterThanOrEqual(10);
    });

    it("never splits a tool turn: what is dropped goes up to the next question", async () => {
      const store = await makeStore({ maxBytes: 20 * 1024, maxToolResultBytes: 8 * 1024 });
      const s = sid("tools");
      for (let i = 1; i <= 5; i++) await store.commitTurn(s, `turn-000${i}`, toolTurn(i, 1024 * 1024));
      const kept = await store.getMessages(s);
      expect(kept[0]?.getType()).toBe("human");
      // Each stored turn is ~8.5 KiB once its result is cut: two fit in 20 KiB, three do not.
      expect(kept).toHaveLength(8);
      expect(kept.at(-1)?.content).toBe("the file 5 is long");
    });

    it("bounds a session by a commit's own maxBytes instead of the store's, both ways", async () => {
      const store = await makeStore({ maxBytes: 16 * 1024 });
      const small = sid("own-small");
      const large = sid("own-large");
      const plain = sid("own-plain");
      const bigTurn = (i: number): BaseMessage[] => [
        new HumanMessage(`q${i} ${"y".repeat(2000)}`),
        new AIMessage(`a${i} ${"z".repeat(2000)}`),
      ];
      for (let i = 1; i <= 12; i++) {
        await store.commitTurn(small, `turn-000${i}`, bigTurn(i), { maxBytes: 6 * 1024 });
        await store.commitTurn(large, `turn-000${i}`, bigTurn(i), { maxBytes: 64 * 1024 });
        await store.commitTurn(plain, `turn-000${i}`, bigTurn(i));
      }
      const [keptSmall, keptLarge, keptPlain] = await Promise.all([
        store.getMessages(small),
        store.getMessages(large),
        store.getMessages(plain),
      ]);
      // ~4 KB a turn: one fits in 6 KiB, three in 16 KiB (the store's), all twelve in 64 KiB.
      expect(keptSmall).toHaveLength(2);
      expect(String(keptSmall[0]?.content)).toMatch(/^q12 /);
      expect(keptPlain).toHaveLength(6);
      expect(String(keptPlain[0]?.content)).toMatch(/^q10 /);
      expect(keptLarge).toHaveLength(24);
      expect(String(keptLarge[0]?.content)).toMatch(/^q1 /);
    });

    it("an own maxBytes of 0 bounds nothing; a negative or fractional one is refused and writes nothing", async () => {
      const store = await makeStore({ maxBytes: 4 * 1024 });
      const s = sid("own-zero");
      for (let i = 1; i <= 4; i++)
        await store.commitTurn(
          s,
          `turn-000${i}`,
          [new HumanMessage(`q${i} ${"y".repeat(3000)}`), new AIMessage(`a${i}`)],
          {
            maxBytes: 0,
          },
        );
      expect(await store.getMessages(s)).toHaveLength(8);
      for (const maxBytes of [-1, 1.5, Number.NaN]) {
        await expect(store.commitTurn(s, "turn-bad-0001", [new HumanMessage("x")], { maxBytes })).rejects.toThrow(
          RangeError,
        );
      }
      expect(await store.getMessages(s)).toHaveLength(8);
      // The refused turn id was not recorded: a valid commit of it still appends.
      expect(await store.commitTurn(s, "turn-bad-0001", [new HumanMessage("x")])).toBe(true);
    });

    it("keeps the newest turn even when it alone is larger than maxBytes", async () => {
      const store = await makeStore({ maxBytes: 1024, maxToolResultBytes: 8 * 1024 });
      const s = sid("newest");
      await store.commitTurn(s, "turn-0001", [new HumanMessage("first"), new AIMessage("one")]);
      await store.commitTurn(s, "turn-0002", [new HumanMessage("q".repeat(3000)), new AIMessage("two")]);
      expect((await store.getMessages(s)).map((m) => m.content)).toEqual(["q".repeat(3000), "two"]);
    });
  });
}
