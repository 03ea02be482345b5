/**
 * A session never breaks on provider quirks, and a turn taken over by another runner continues without repeating
 * text or tools: through the real ChatOpenAI against the scripted OpenAI-compatible server.
 */
import { splitWords, type ProviderQuirks, type RecordedRequest, type ScriptedReply } from "@acb/testkit";
import type { TurnEvent } from "@acb/schemas";
import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runAgentTurn } from "./agent.js";
import { runChatTurn } from "./chat.js";
import { CONTINUE_INSTRUCTION, type AgentJournal, type Delivered } from "./resume.js";
import { collector } from "./test/collector.js";
import { openai, useScriptedOpenAI } from "./test/scripted.js";

const scripted = useScriptedOpenAI();
const text = (content: unknown): string => (typeof content === "string" ? content : JSON.stringify(content));
const lastUser = (req: RecordedRequest): string =>
  text([...req.body.messages].reverse().find((m) => m.role === "user")?.content ?? "");

function countingTool() {
  let calls = 0;
  const lookup = tool(
    async ({ q }: { q: string }) => {
      calls += 1;
      return `result for ${q}`;
    },
    { name: "lookup", description: "Looks something up.", schema: z.object({ q: z.string() }) },
  );
  return { calls: () => calls, lookup };
}

/** "use the tool" → a tool call, then "found: <result>"; anything else → "echo: <input>". Every reply has `quirks`. */
function quirkyScript(quirks: ProviderQuirks): (req: RecordedRequest) => ScriptedReply {
  return (req) => {
    const last = req.body.messages.at(-1);
    if (last?.role === "tool") return { kind: "text", chunks: ["found: ", text(last.content)], ...quirks };
    const input = lastUser(req);
    if (input.includes("use the tool"))
      return {
        kind: "tool_calls",
        calls: [{ id: `call_${req.body.messages.length}`, name: "lookup", arguments: '{"q":"x"}' }],
        ...quirks,
      };
    return { kind: "text", chunks: splitWords(`echo: ${input}`), ...quirks };
  };
}

const QUIRKS: Array<[string, ProviderQuirks]> = [
  ["a completion id repeated by every completion", { completionId: "chatcmpl-fixed" }],
  ["no completion id at all", { completionId: null }],
  ["empty deltas between chunks", { emptyDeltas: true }],
  ["a usage-only chunk at the end", { usage: true }],
];

describe("provider quirks leave the session working (tools on)", { timeout: 20_000 }, () => {
  for (const [name, quirks] of QUIRKS) {
    it(name, async () => {
      const server = await scripted({ script: quirkyScript(quirks) });
      const model = openai(server.url);
      const { lookup, calls } = countingTool();
      let history: BaseMessage[] = [];
      const answers: string[] = [];
      const inputs = ["hello there", "please use the tool", "and again hello", "use the tool once more", "bye now"];
      for (const [i, input] of inputs.entries()) {
        const { events, emit } = collector();
        const result = await runAgentTurn({
          model,
          tools: [lookup],
          history,
          input,
          signal: new AbortController().signal,
          emit,
          turnId: `turn${i}`,
        });
        answers.push(result.text);
        expect(
          events
            .filter((e) => e.event === "token")
            .map((e) => e.data)
            .join(""),
        ).toBe(result.text);
        history = [...history, ...result.messages];
      }
      expect(answers).toEqual([
        "echo: hello there",
        "found: result for x",
        "echo: and again hello",
        "found: result for x",
        "echo: bye now",
      ]);
      expect(calls()).toBe(2);
      // Five exchanges; the second and fourth ran the tool.
      const plain = ["human", "ai"];
      const withTool = ["human", "ai", "tool", "ai"];
      expect(history.map((m) => m.type)).toEqual([...plain, ...withTool, ...plain, ...withTool, ...plain]);
      // Identity is ours: unique, from the turn id, never the provider's.
      const ids = history.map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => typeof id === "string" && /^turn\d:/.test(id))).toBe(true);
    });
  }
});

/** A journal kept in maps, as the engine's adapter gives the agent (one shared by the dying run and the takeover). */
function mapJournal(): AgentJournal & { steps: Map<number, AIMessage>; toolResults: Map<string, ToolMessage> } {
  const steps = new Map<number, AIMessage>();
  const toolResults = new Map<string, ToolMessage>();
  return {
    steps,
    toolResults,
    recordStep: async (step, message) => void steps.set(step, message),
    recordTool: async (callId, message) => void toolResults.set(callId, message),
  };
}

function deliveredFrom(events: TurnEvent[]): Delivered {
  return {
    text: events
      .filter((e) => e.event === "token")
      .map((e) => e.data)
      .join(""),
    startedCalls: new Set(
      events.flatMap((e) => (e.event === "tool_start" && e.call_id !== undefined ? [e.call_id] : [])),
    ),
    endedCalls: new Set(events.flatMap((e) => (e.event === "tool_end" && e.call_id !== undefined ? [e.call_id] : []))),
  };
}

const ANSWER = "The lighthouse keeper wrote forty two pages of notes about the winter storms and the ships.";

/** Tool call first; after the tool, ANSWER word by word; a continuation request gets the rest of ANSWER after its prefix. */
function takeoverScript(req: RecordedRequest): ScriptedReply {
  const messages = req.body.messages;
  const last = messages.at(-1);
  if (last?.role === "user" && text(last.content) === CONTINUE_INSTRUCTION) {
    const prefix = text(messages.at(-2)?.content);
    return { kind: "text", chunks: splitWords(ANSWER.slice(prefix.length)), delayMs: 5 };
  }
  if (last?.role === "tool") return { kind: "text", chunks: splitWords(ANSWER), delayMs: 20 };
  return { kind: "tool_calls", calls: [{ id: "call_1", name: "lookup", arguments: '{"q":"notes"}' }] };
}

/**
 * One agent turn run twice on a shared journal: first by a runner that dies when `deliver` calls `die` (its signal
 * aborts; `deliver` keeps in `seen` what reached the clients), then by the runner that takes it over.
 */
async function diesThenTakenOver(
  turnId: string,
  input: string,
  deliver: (e: TurnEvent, seen: TurnEvent[], die: () => void) => void,
) {
  const server = await scripted({ script: takeoverScript });
  const model = openai(server.url);
  const { lookup, calls } = countingTool();
  const journal = mapJournal();
  const first = new AbortController();
  const seen: TurnEvent[] = [];
  await expect(
    runAgentTurn({
      model,
      tools: [lookup],
      history: [],
      input,
      signal: first.signal,
      turnId,
      journal,
      emit: async (e) => {
        if (!first.signal.aborted) deliver(e, seen, () => first.abort(new Error("runner died")));
      },
    }),
  ).rejects.toThrow();
  const delivered = deliveredFrom(seen);
  const callsByFirstRunner = calls();
  const { events, emit } = collector();
  const result = await runAgentTurn({
    model,
    tools: [lookup],
    history: [],
    input,
    signal: new AbortController().signal,
    emit,
    turnId,
    journal,
    delivered,
  });
  return { delivered, callsByFirstRunner, calls: calls(), events, result, requests: server.requests };
}

describe("a turn taken over after its runner died", { timeout: 20_000 }, () => {
  it("replays the journaled tool call (run once, no repeated tool events) and continues the cut-off answer", async () => {
    // The first runner dies after a few tokens of the final answer reached its clients.
    const { delivered, callsByFirstRunner, calls, events, result, requests } = await diesThenTakenOver(
      "t1",
      "what do the notes say?",
      (e, seen, die) => {
        seen.push(e);
        if (seen.filter((x) => x.event === "token").length === 4) die();
      },
    );
    expect(delivered.text.length).toBeGreaterThan(0);
    expect(ANSWER.startsWith(delivered.text)).toBe(true);
    expect(callsByFirstRunner).toBe(1);

    // The runner that took over.
    expect(calls).toBe(1);
    expect(events.filter((e) => e.event !== "token")).toEqual([]);
    const rest = events.map((e) => e.data).join("");
    expect(delivered.text + rest).toBe(ANSWER);
    expect(result.text).toBe(ANSWER);
    expect(result.messages.map((m) => m.type)).toEqual(["human", "ai", "tool", "ai"]);
    // The model was asked for the step once per run, the second time to continue its own partial answer.
    const continuation = requests.at(-1)?.body.messages ?? [];
    expect(continuation.slice(-2).map((m) => [m.role, text(m.content)])).toEqual([
      ["assistant", delivered.text],
      ["user", CONTINUE_INSTRUCTION],
    ]);
  });

  it("a tool that finished but whose tool_end never reached the log: not run again, its tool_end sent once", async () => {
    const { callsByFirstRunner, calls, events, result } = await diesThenTakenOver("t2", "q", (e, seen, die) => {
      if (e.event === "tool_end") return die(); // died before tool_end was logged
      seen.push(e);
    });
    expect(callsByFirstRunner).toBe(1);
    expect(calls).toBe(1);
    expect(events.filter((e) => e.event !== "token").map((e) => [e.event, e.data])).toEqual([["tool_end", "lookup"]]);
    expect(result.text).toBe(ANSWER);
  });

  it("a chat turn (no tools) continues its cut-off answer too", async () => {
    const server = await scripted({
      script: (req) => {
        const last = req.body.messages.at(-1);
        if (last !== undefined && text(last.content) === CONTINUE_INSTRUCTION)
          return { kind: "text", chunks: splitWords(ANSWER.slice(text(req.body.messages.at(-2)?.content).length)) };
        return { kind: "text", chunks: splitWords(ANSWER) };
      },
    });
    const { events, emit } = collector();
    const delivered = { text: ANSWER.slice(0, 30) };
    const result = await runChatTurn({
      model: openai(server.url),
      history: [],
      input: "notes?",
      signal: new AbortController().signal,
      emit,
      delivered,
    });
    expect(delivered.text + events.map((e) => e.data).join("")).toBe(ANSWER);
    expect(result.messages.map((m) => [m.type, m.text])).toEqual([
      ["human", "notes?"],
      ["ai", ANSWER],
    ]);
  });
});
