import { BaseListChatMessageHistory } from "@langchain/core/chat_history";
import {
  AIMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  isAIMessage,
  type BaseMessage,
} from "@langchain/core/messages";
import { RunnableLambda, RunnableWithMessageHistory } from "@langchain/core/runnables";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidHistoryKeyError, type ChatHistoryStore, type HistoryOptions } from "../index.js";

export type MakeStore = (options?: Partial<HistoryOptions>) => ChatHistoryStore | Promise<ChatHistoryStore>;

let counter = 0;
/** A fresh, valid session id per call, so tests never see each other's data. */
export function sid(label = "s"): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}

/** [type, text] pairs: compact, order-sensitive comparison of a history. */
export function summary(messages: BaseMessage[]): [string, string][] {
  return messages.map((m) => [m.getType(), typeof m.content === "string" ? m.content : JSON.stringify(m.content)]);
}

export function turn(n: number): BaseMessage[] {
  return [new HumanMessage(`q${n}`), new AIMessage(`a${n}`)];
}

/** The summary of `turn(n)` for each n, in order. */
export function turnsSummary(...ns: number[]): [string, string][] {
  return ns.flatMap((n): [string, string][] => [
    ["human", `q${n}`],
    ["ai", `a${n}`],
  ]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const HOSTILE_SESSION_IDS = ["", "a".repeat(129), "a b", "x\n", "{evil}"];
/** Turn ids break the API's one rule (TurnId in @acb/schemas: 8-64 of A-Z a-z 0-9 _ -). */
export const HOSTILE_TURN_IDS = [
  "",
  "t".repeat(129),
  "t".repeat(65),
  "a b",
  "x\n",
  "tab\there",
  "t1",
  "job:{x}/1~zzzz",
  "turn-{tag}-01",
];

/**
 * The behaviour every ChatHistoryStore adapter must have. `makeStore` builds a store (options merged over the
 * defaults); `cleanup` runs after each test. `wait` lets time pass for the expiry case: a real sleep against Redis
 * (its clock is its own), a moved fake clock for a store that reads `Date.now()`.
 */
export function describeHistoryContract(
  name: string,
  makeStore: MakeStore,
  cleanup: () => Promise<void> = async () => {},
  wait: (ms: number) => Promise<void> = sleep,
): void {
  describe(`ChatHistoryStore contract: ${name}`, () => {
    afterEach(async () => {
      await cleanup();
    });

    it("returns [] for an unknown session", async () => {
      const store = await makeStore();
      expect(await store.getMessages(sid())).toEqual([]);
    });

    it("commits turns and reads them back oldest first", async () => {
      const store = await makeStore();
      const s = sid();
      expect(await store.commitTurn(s, "turn-0001", turn(1))).toBe(true);
      expect(await store.commitTurn(s, "turn-0002", [new SystemMessage("sys"), ...turn(2)])).toBe(true);
      const messages = await store.getMessages(s);
      expect(summary(messages)).toEqual([...turnsSummary(1), ["system", "sys"], ...turnsSummary(2)]);
      expect(messages[0]).toBeInstanceOf(HumanMessage);
      expect(messages[1]).toBeInstanceOf(AIMessage);
    });

    it("commitTurn is idempotent per turn id (a retry returns false and appends nothing)", async () => {
      const store = await makeStore();
      const s = sid();
      expect(await store.commitTurn(s, "turn-one-1", turn(1))).toBe(true);
      expect(await store.commitTurn(s, "turn-one-1", turn(1))).toBe(false);
      expect(await store.commitTurn(s, "turn-one-1", turn(99))).toBe(false);
      expect(summary(await store.getMessages(s))).toEqual(turnsSummary(1));
      // Same content under a new turn id is a new turn.
      expect(await store.commitTurn(s, "turn-two-2", turn(1))).toBe(true);
      expect(await store.getMessages(s)).toHaveLength(4);
    });

    it("keeps sessions isolated (including turn ids and clear)", async () => {
      const store = await makeStore();
      const a = sid("a");
      const b = sid("b");
      await store.commitTurn(a, "turn-0001", turn(1));
      expect(await store.getMessages(b)).toEqual([]);
      // The same turn id in another session is a different turn.
      expect(await store.commitTurn(b, "turn-0001", turn(2))).toBe(true);
      await store.clear(a);
      expect(await store.getMessages(a)).toEqual([]);
      expect(summary(await store.getMessages(b))).toEqual(turnsSummary(2));
    });

    it("caps the history at maxMessages, dropping the oldest", async () => {
      const store = await makeStore({ maxMessages: 5 });
      const s = sid();
      for (let i = 1; i <= 4; i++) expect(await store.commitTurn(s, `turn-000${i}`, turn(i))).toBe(true);
      expect(summary(await store.getMessages(s))).toEqual([["ai", "a2"], ...turnsSummary(3, 4)]);
      // Trimmed turns are still remembered as committed.
      expect(await store.commitTurn(s, "turn-0001", turn(1))).toBe(false);
      // The LangChain view obeys the same cap.
      await store.forSession(s).addMessages(turn(5));
      expect(summary(await store.getMessages(s)).map(([, text]) => text)).toEqual(["a3", "q4", "a4", "q5", "a5"]);
    });

    it("expires a session ttlSeconds after its last write (turn markers too)", async () => {
      const store = await makeStore({ ttlSeconds: 1 });
      const s = sid();
      await store.commitTurn(s, "turn-0001", turn(1));
      await wait(600);
      await store.commitTurn(s, "turn-0002", turn(2)); // a write renews the expiry of the whole session
      await wait(600);
      expect(await store.getMessages(s)).toHaveLength(4);
      await wait(1000);
      expect(await store.getMessages(s)).toEqual([]);
      expect(await store.commitTurn(s, "turn-0001", turn(1))).toBe(true);
      expect(await store.getMessages(s)).toHaveLength(2);
    });

    it("round-trips an AI message with tool calls and the ToolMessage answering it", async () => {
      const store = await makeStore();
      const s = sid();
      const messages: BaseMessage[] = [
        new HumanMessage("read a.txt"),
        new AIMessage({
          content: "",
          tool_calls: [{ id: "call_1", name: "read_file", args: { path: "a.txt", limit: 10 }, type: "tool_call" }],
        }),
        new ToolMessage({ content: "hello file", tool_call_id: "call_1", name: "read_file" }),
        new AIMessage({ content: "The file says hello." }),
      ];
      await store.commitTurn(s, "turn-0001", messages);
      const back = await store.getMessages(s);
      expect(back.map((m) => m.getType())).toEqual(["human", "ai", "tool", "ai"]);
      const ai = back[1];
      expect(ai !== undefined && isAIMessage(ai)).toBe(true);
      expect((ai as AIMessage).tool_calls).toEqual([
        expect.objectContaining({ id: "call_1", name: "read_file", args: { path: "a.txt", limit: 10 } }),
      ]);
      const tool = back[2];
      expect(tool).toBeInstanceOf(ToolMessage);
      expect((tool as ToolMessage).tool_call_id).toBe("call_1");
      expect((tool as ToolMessage).name).toBe("read_file");
      expect(tool?.content).toBe("hello file");
      expect(back[3]?.content).toBe("The file says hello.");
    });

    it("stores a copy: mutating a committed message does not change the history", async () => {
      const store = await makeStore();
      const s = sid();
      const human = new HumanMessage("original");
      await store.commitTurn(s, "turn-0001", [human]);
      human.content = "mutated";
      const [first] = await store.getMessages(s);
      expect(first?.content).toBe("original");
      if (first) first.content = "mutated again";
      expect((await store.getMessages(s))[0]?.content).toBe("original");
    });

    it("forSession() is a BaseListChatMessageHistory over the same data", async () => {
      const store = await makeStore();
      const s = sid();
      const history = store.forSession(s);
      expect(history).toBeInstanceOf(BaseListChatMessageHistory);
      expect(await history.getMessages()).toEqual([]);
      await store.commitTurn(s, "turn-0001", turn(1));
      await history.addMessages(turn(2));
      await history.addMessage(new HumanMessage("q3"));
      await history.addAIMessage("a3");
      await history.addMessages([]);
      expect(summary(await history.getMessages())).toEqual(turnsSummary(1, 2, 3));
      expect(summary(await store.getMessages(s))).toEqual(summary(await history.getMessages()));
      await history.clear();
      expect(await history.getMessages()).toEqual([]);
      expect(await store.getMessages(s)).toEqual([]);
    });

    it("works as the history of RunnableWithMessageHistory", async () => {
      const store = await makeStore();
      const s = sid();
      const echo = RunnableLambda.from(
        (input: { history?: BaseMessage[]; question: string }) =>
          new AIMessage(`seen ${input.history?.length ?? -1} earlier messages`),
      );
      const withHistory = new RunnableWithMessageHistory({
        runnable: echo,
        getMessageHistory: (sessionId: string) => store.forSession(sessionId),
        inputMessagesKey: "question",
        historyMessagesKey: "history",
      });
      const config = { configurable: { sessionId: s } };
      const stored: [string, string][] = [];
      for (const question of ["first", "second"]) {
        // Each question sees every message stored before it.
        const answer = `seen ${stored.length} earlier messages`;
        expect((await withHistory.invoke({ question }, config)).content).toBe(answer);
        stored.push(["human", question], ["ai", answer]);
      }
      expect(summary(await store.getMessages(s))).toEqual(stored);
    });

    it("10 concurrent commits of one turn id store exactly one copy", async () => {
      const store = await makeStore();
      const s = sid();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.commitTurn(s, "same-turn", turn(1))));
      expect(results.filter((r) => r)).toHaveLength(1);
      expect(results.filter((r) => !r)).toHaveLength(9);
      expect(summary(await store.getMessages(s))).toEqual(turnsSummary(1));
    });

    it("concurrent commits of different turns each land whole (never interleaved)", async () => {
      const store = await makeStore();
      const s = sid();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.commitTurn(s, `turn-000${i}`, turn(i))),
      );
      expect(results.every((r) => r)).toBe(true);
      const texts = summary(await store.getMessages(s)).map(([, text]) => text);
      expect(texts).toHaveLength(20);
      for (let k = 0; k < 20; k += 2) {
        expect(texts[k]?.replace("q", "")).toBe(texts[k + 1]?.replace("a", ""));
      }
    });

    it("rejects hostile session ids with InvalidHistoryKeyError on every entry point", async () => {
      const store = await makeStore();
      for (const bad of HOSTILE_SESSION_IDS) {
        await expect(store.getMessages(bad), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidHistoryKeyError);
        await expect(store.commitTurn(bad, "turn-0001", turn(1)), JSON.stringify(bad)).rejects.toBeInstanceOf(
          InvalidHistoryKeyError,
        );
        await expect(store.clear(bad), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidHistoryKeyError);
        expect(() => store.forSession(bad), JSON.stringify(bad)).toThrow(InvalidHistoryKeyError);
      }
      await expect(store.getMessages(undefined as unknown as string)).rejects.toBeInstanceOf(InvalidHistoryKeyError);
      // The boundaries themselves are accepted.
      const longest = "a".repeat(128);
      expect(await store.commitTurn(longest, "turn-0001", turn(1))).toBe(true);
      expect(await store.getMessages(longest)).toHaveLength(2);
      await store.clear(longest);
      expect(await store.getMessages("A-z_0.9:x")).toEqual([]);
    });

    it("rejects hostile turn ids with InvalidHistoryKeyError and stores nothing", async () => {
      const store = await makeStore();
      const s = sid();
      for (const bad of HOSTILE_TURN_IDS) {
        const err = await store.commitTurn(s, bad, turn(1)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, JSON.stringify(bad)).toBeInstanceOf(InvalidHistoryKeyError);
        expect((err as InvalidHistoryKeyError).field).toBe("turnId");
      }
      expect(await store.getMessages(s)).toEqual([]);
      // The boundaries themselves are accepted.
      expect(await store.commitTurn(s, "Az_-" + "9".repeat(60), turn(1))).toBe(true);
      expect(await store.commitTurn(s, "turn-_01", turn(2))).toBe(true);
    });

    it("rejects things that are not messages without storing anything", async () => {
      const store = await makeStore();
      const s = sid();
      const bogus = [new HumanMessage("ok"), { type: "human", content: "not a message" }] as unknown as BaseMessage[];
      await expect(store.commitTurn(s, "turn-0001", bogus)).rejects.toBeInstanceOf(TypeError);
      await expect(store.forSession(s).addMessages(bogus)).rejects.toBeInstanceOf(TypeError);
      expect(await store.getMessages(s)).toEqual([]);
      // The failed attempt did not burn the turn id.
      expect(await store.commitTurn(s, "turn-0001", turn(1))).toBe(true);
    });

    it("ping() answers true", async () => {
      const store = await makeStore();
      expect(await store.ping()).toBe(true);
    });
  });
}
