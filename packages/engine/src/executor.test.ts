import { ModelError, type McpServerStatus } from "@acb/chains";
import { InMemoryChatHistoryStore } from "@acb/history";
import { describeTurnFailure, RunnerShutdownError, TurnCancelledError, TurnTimeoutError } from "@acb/turns";
import { startScriptedOpenAI, tokenText, turnJob as job, type ScriptedOpenAI } from "@acb/testkit";
import { tool } from "@langchain/core/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { asTurnError, createTurnExecutor, type ToolSource } from "./executor.js";
import { offlineExecutor, runTurn } from "./test/run.js";

const listDirTool = tool(async () => "alpha.txt\nbeta.txt", {
  name: "list_dir",
  description: "List files",
  schema: z.object({ path: z.string().optional(), pattern: z.string().optional() }),
});
const toolSource = (tools: ToolSource["tools"] extends () => Promise<infer T> ? T : never): ToolSource => ({
  tools: async () => tools,
  status: (): McpServerStatus[] => [],
});

describe("createTurnExecutor", () => {
  it("runs the chain, streams tokens, and commits the turn once", async () => {
    const history = new InMemoryChatHistoryStore();
    const execute = offlineExecutor(history);
    const j = job({ input: "my name is Ada" });
    const events = await runTurn(execute, j);
    expect(events.filter((e) => e.event === "token").length).toBeGreaterThan(2);
    expect(events.at(-1)).toEqual({ event: "done", data: "s1" });
    const stored = await history.getMessages("s1");
    expect(stored.map((m) => m.getType())).toEqual(["human", "ai"]);
    // The stored answer is exactly what was streamed.
    expect(stored[1]?.content).toBe(tokenText(events));
  });

  it("a job's history_max_bytes bounds its session's stored history instead of the store's HISTORY_MAX_BYTES", async () => {
    const history = new InMemoryChatHistoryStore({ maxBytes: 1024 * 1024 });
    const execute = offlineExecutor(history);
    for (let i = 1; i <= 4; i++) {
      const input = `question ${i} ${"q".repeat(3000)}`;
      await runTurn(execute, job({ session_id: "bounded", input, history_max_bytes: 4096 }));
      await runTurn(execute, job({ session_id: "store-bound", input }));
    }
    // ~3 KB a turn: 4 KiB holds the newest turn only; the store's 1 MiB holds all four.
    const bounded = await history.getMessages("bounded");
    expect(bounded.map((m) => m.getType())).toEqual(["human", "ai"]);
    expect(String(bounded[0]?.content)).toMatch(/^question 4 /);
    expect(await history.getMessages("store-bound")).toHaveLength(8);
  });

  it("agent turns use the tools: tool_start/tool_end around the call, and the tool round-trip is committed", async () => {
    const history = new InMemoryChatHistoryStore();
    const execute = offlineExecutor(history, { tools: toolSource([listDirTool]) });
    const j = job({ mode: "agent", input: "list files", session_id: "agent-1" });
    const events = await runTurn(execute, j);
    expect(events.filter((e) => e.event !== "token").map((e) => `${e.event}:${e.data}`)).toEqual([
      "tool_start:list_dir",
      "tool_end:list_dir",
      "done:agent-1",
    ]);
    expect(tokenText(events)).toContain("alpha.txt");
    expect((await history.getMessages("agent-1")).map((m) => m.getType())).toEqual(["human", "ai", "tool", "ai"]);
  });

  it("USE_MCP_IN_CHAT: chat turns use the agent when tools exist, and fall back to the chain when none are reachable", async () => {
    const history = new InMemoryChatHistoryStore();
    const withTools = offlineExecutor(history, { tools: toolSource([listDirTool]), useToolsInChat: true });
    expect((await runTurn(withTools, job({ input: "list files" }))).some((e) => e.event === "tool_start")).toBe(true);
    const down = offlineExecutor(history, { tools: toolSource([]), useToolsInChat: true });
    const events = await runTurn(down, job({ input: "list files", session_id: "s2" }));
    expect(events.some((e) => e.event === "tool_start")).toBe(false);
    expect(events.at(-1)).toEqual({ event: "done", data: "s2" });
    expect(events.some((e) => e.event === "error")).toBe(false);
  });

  describe("against a failing upstream", () => {
    let upstream: ScriptedOpenAI;
    beforeAll(async () => {
      upstream = await startScriptedOpenAI({ script: () => ({ kind: "http_error", status: 500 }) });
    });
    afterAll(async () => upstream.close());

    it("a model failure ends with error then done and commits nothing", async () => {
      const history = new InMemoryChatHistoryStore();
      const execute = createTurnExecutor({
        history,
        model: { provider: "openai", baseUrl: upstream.url, model: "m", timeoutMs: 2_000, maxRetries: 0 },
        useToolsInChat: false,
      });
      const events = await runTurn(execute, job({ session_id: "fail" }));
      expect(events.map((e) => e.event)).toEqual(["error", "done"]);
      expect(events[0]).toMatchObject({ code: "upstream" });
      expect(JSON.stringify(events)).not.toContain("127.0.0.1");
      expect(await history.getMessages("fail")).toEqual([]);
    });
  });
});

describe("turn failures", () => {
  it("map every failure to a safe sentence and a code", () => {
    const describeTurnError = (err: unknown) => describeTurnFailure(asTurnError(err));
    expect(describeTurnError(new TurnTimeoutError(5_000))).toEqual({
      code: "timeout",
      message: "the turn did not finish within 5 s",
    });
    expect(describeTurnError(new TurnCancelledError()).code).toBe("cancelled");
    expect(describeTurnError(new RunnerShutdownError()).code).toBe("runner_lost");
    expect(
      describeTurnError(new ModelError({ kind: "rate_limited", publicMessage: "slow down", status: 429 })),
    ).toEqual({ code: "rate_limited", message: "slow down" });
    const internal = describeTurnError(new Error("ENOENT /home/me/secret"));
    expect(internal.code).toBe("internal");
    expect(internal.message).not.toContain("/home");
  });
});
