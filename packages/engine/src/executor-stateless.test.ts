import { InMemoryChatHistoryStore } from "@acb/history";
import { InMemoryTurnEventLog, processTurn } from "@acb/turns";
import { startScriptedOpenAI, turnJob, type ScriptedOpenAI } from "@acb/testkit";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTurnExecutor } from "./executor.js";

let upstream: ScriptedOpenAI;
beforeAll(async () => {
  upstream = await startScriptedOpenAI();
});
afterAll(async () => upstream?.close());

describe("stateless turns (the client's conversation in the job)", () => {
  it("run on the job's messages instead of the session's history, and commit nothing", async () => {
    const history = new InMemoryChatHistoryStore();
    await history.commitTurn("s1", "turn-earlier-01", [
      new HumanMessage("stored question"),
      new AIMessage("stored answer"),
    ]);
    const execute = createTurnExecutor({
      history,
      model: { provider: "openai", baseUrl: upstream.url, model: "m", timeoutMs: 5_000, maxRetries: 0 },
      useToolsInChat: false,
    });
    const before = upstream.requests.length;
    const j = turnJob({
      input: "who am I?",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "I am Ada" },
        { role: "assistant", content: "", tool_calls: [{ id: "c1", name: "lookup", arguments: '{"q":"Ada"}' }] },
        { role: "tool", content: "Ada Lovelace", tool_call_id: "c1" },
        { role: "assistant", content: "Hi Ada" },
      ],
      options: { max_tokens: 33, stop: ["STOP"], temperature: 0.7 },
    });
    const eventLog = new InMemoryTurnEventLog();
    await processTurn(j, { eventLog, execute });
    const sent = upstream.requests[before]?.body;
    expect(sent?.messages.slice(1).map((m) => m.role)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
      "assistant",
      "user",
    ]);
    expect(sent?.messages.map((m) => String(m.content)).join("|")).not.toContain("stored");
    expect(sent?.messages[3]?.tool_calls).toEqual([
      { id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"Ada"}' } },
    ]);
    expect([sent?.max_tokens ?? sent?.max_completion_tokens, sent?.stop, sent?.temperature]).toEqual([
      33,
      ["STOP"],
      0.7,
    ]);
    expect((await eventLog.read(j.turn_id, "0")).at(-1)?.event).toEqual({ event: "done", data: "s1" });
    expect((await history.getMessages("s1")).map((m) => String(m.content))).toEqual([
      "stored question",
      "stored answer",
    ]);
  });
});
