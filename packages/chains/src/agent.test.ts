import { rmSync } from "node:fs";
import { toolCallsThenText } from "@acb/testkit";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAgentTurn, type AgentTurnArgs } from "./agent.js";
import { ModelError } from "./errors.js";
import { McpToolbox } from "./mcp/toolbox.js";
import { OFFLINE_MARKER, OfflineChatModel } from "./offline.js";
import { collector } from "./test/collector.js";
import { FILESERVER, filesRoot } from "./test/fileserver.js";
import { openai, useScriptedOpenAI } from "./test/scripted.js";
import type { TurnEvent } from "@acb/schemas";

/** An event as the seed's SSE shows it (name + data); the optional tool fields are checked on their own. */
const seedWire = (e: TurnEvent): { event: string; data: string } => ({ event: e.event, data: e.data });

let root: string;
let box: McpToolbox;
beforeAll(() => {
  root = filesRoot("chains-agent-", { "zebra-report.txt": "quarterly numbers\n", "readme.md": "# Read me\n" });
  box = new McpToolbox(
    { files: { transport: "stdio", command: process.execPath, args: [FILESERVER, "--root", root] } },
    { toolTimeoutMs: 5000, connectTimeoutMs: 5000 },
  );
});
afterAll(async () => {
  await box.close();
  rmSync(root, { recursive: true, force: true });
});

const scripted = useScriptedOpenAI();

/** One agent turn with no history and a signal nobody aborts, unless the test gives them. */
const agentTurn = (
  args: Omit<AgentTurnArgs, "history" | "signal"> & Partial<Pick<AgentTurnArgs, "history" | "signal">>,
) => runAgentTurn({ history: [], signal: new AbortController().signal, ...args });

const types = (messages: BaseMessage[]) => messages.map((m) => m.type);

describe(
  "runAgentTurn with ChatOpenAI against the scripted server and the real file server",
  { timeout: 20_000 },
  () => {
    it("runs list_dir through MCP, streams tool events then tokens, and returns the whole exchange", async () => {
      const server = await scripted({
        script: toolCallsThenText(
          [{ id: "call_1", name: "list_dir", arguments: '{"path":"."}' }],
          ["There ", "are ", "two files."],
        ),
      });
      const { events, emit } = collector();
      const history = [new HumanMessage("hi, I am Ada"), new AIMessage("Hello Ada.")];
      const result = await agentTurn({
        model: openai(server.url),
        tools: await box.tools(),
        history,
        input: "what files are there?",
        emit,
      });

      expect(events.map(seedWire)).toEqual([
        { event: "tool_start", data: "list_dir" },
        { event: "tool_end", data: "list_dir" },
        { event: "token", data: "There " },
        { event: "token", data: "are " },
        { event: "token", data: "two files." },
      ]);
      expect(result.text).toBe("There are two files.");
      // The richer fields a UI shows: the call id pairs start and end, with the arguments and the result.
      const [start, end] = events;
      expect(start).toMatchObject({ event: "tool_start", call_id: "call_1", input: { path: "." } });
      expect(end).toMatchObject({ event: "tool_end", call_id: "call_1" });
      expect(end?.event === "tool_end" ? end.output : undefined).toMatch(/\S/);

      expect(server.requests).toHaveLength(2);
      const first = server.requests[0]?.body;
      expect(first?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
      expect(first?.tools?.length).toBeGreaterThanOrEqual(2);
      const second = server.requests[1]?.body.messages ?? [];
      const toolMsg = second.find((m) => m.role === "tool");
      expect(toolMsg?.tool_call_id).toBe("call_1");
      expect(typeof toolMsg?.content).toBe("string");
      expect(toolMsg?.content).toContain("zebra-report.txt");

      expect(types(result.messages)).toEqual(["human", "ai", "tool", "ai"]);
      expect((result.messages[0] as HumanMessage).text).toBe("what files are there?");
      const call = result.messages[1] as AIMessage;
      expect(call.tool_calls?.[0]).toMatchObject({ name: "list_dir", args: { path: "." }, id: "call_1" });
      expect((result.messages[2] as ToolMessage).text).toContain("zebra-report.txt");
      expect((result.messages[3] as AIMessage).text).toBe("There are two files.");
    });

    it("a failing MCP tool (missing file) goes back to the model as an error tool message, and the turn ends normally", async () => {
      const server = await scripted({
        script: toolCallsThenText(
          [{ id: "call_r", name: "read_text", arguments: '{"path":"nope.txt"}' }],
          ["That file ", "does not exist."],
        ),
      });
      const { events, emit } = collector();
      const result = await agentTurn({
        model: openai(server.url),
        tools: await box.tools(),
        input: "read nope.txt",
        emit,
      });
      expect(result.text).toBe("That file does not exist.");
      expect(events.map(seedWire).slice(0, 2)).toEqual([
        { event: "tool_start", data: "read_text" },
        { event: "tool_end", data: "read_text" },
      ]);
      const toolMsg = server.requests[1]?.body.messages.find((m) => m.role === "tool");
      expect(String(toolMsg?.content)).toMatch(/^Error: .*(not.?found|no such|does not exist)/is);
      expect(String(toolMsg?.content)).not.toContain(root);
      const stored = result.messages[2] as ToolMessage;
      expect(stored.status).toBe("error");
    });

    it("a local tool that throws becomes an error tool message; other tool calls of the same step still run", async () => {
      const boom = tool(
        () => {
          throw new Error("the disk is on fire");
        },
        { name: "boom", description: "Always fails.", schema: z.object({}) },
      );
      const server = await scripted({
        script: toolCallsThenText(
          [
            { id: "call_a", name: "boom", arguments: "{}" },
            { id: "call_b", name: "list_dir", arguments: '{"path":"."}' },
          ],
          ["One tool failed."],
        ),
      });
      const { events, emit } = collector();
      const result = await agentTurn({
        model: openai(server.url),
        tools: [boom, ...(await box.tools())],
        input: "go",
        emit,
      });
      expect(result.text).toBe("One tool failed.");
      const toolMsgs = server.requests[1]?.body.messages.filter((m) => m.role === "tool") ?? [];
      expect(toolMsgs.find((m) => m.tool_call_id === "call_a")?.content).toBe("Error: the disk is on fire");
      expect(String(toolMsgs.find((m) => m.tool_call_id === "call_b")?.content)).toContain("readme.md");
      for (const kind of ["tool_start", "tool_end"])
        expect(
          events
            .filter((e) => e.event === kind)
            .map((e) => e.data)
            .sort(),
        ).toEqual(["boom", "list_dir"]);
      expect(types(result.messages)).toEqual(["human", "ai", "tool", "tool", "ai"]);
    });

    it("a tool that hangs past the tool timeout becomes an error tool message and the turn completes", async () => {
      const hang = tool(() => new Promise<string>(() => undefined), {
        name: "hang",
        description: "Never answers.",
        schema: z.object({}),
      });
      const server = await scripted({
        script: toolCallsThenText([{ id: "call_h", name: "hang", arguments: "{}" }], ["Gave up."]),
      });
      const { events, emit } = collector();
      const started = Date.now();
      const result = await agentTurn({
        model: openai(server.url),
        tools: [hang],
        input: "wait",
        emit,
        toolTimeoutMs: 300,
      });
      expect(Date.now() - started).toBeLessThan(6000); // not forever: the margin is for a busy box
      expect(result.text).toBe("Gave up.");
      expect(events.map(seedWire)).toEqual([
        { event: "tool_start", data: "hang" },
        { event: "tool_end", data: "hang" },
        { event: "token", data: "Gave up." },
      ]);
      const toolMsg = server.requests[1]?.body.messages.find((m) => m.role === "tool");
      expect(toolMsg?.content).toBe("Error: the tool hang did not finish within 0.3 s");
      expect((result.messages[2] as ToolMessage).status).toBe("error");
    });

    it("a model failure is a ModelError; a cancelled turn is a ModelError of kind aborted", async () => {
      const server = await scripted({ script: () => ({ kind: "http_error", status: 500 }) });
      const { emit } = collector();
      const err = await agentTurn({
        model: openai(server.url),
        tools: [],
        input: "x",
        emit,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect((err as ModelError).status).toBe(500);

      server.script(() => ({ kind: "hang" }));
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const aborted = await agentTurn({
        model: openai(server.url),
        tools: [],
        input: "x",
        signal: ac.signal,
        emit,
      }).catch((e: unknown) => e);
      expect(aborted).toBeInstanceOf(ModelError);
      expect((aborted as ModelError).kind).toBe("aborted");
    });

    it("a model stream that stalls past the model timeout is a timeout ModelError (tool time does not count)", async () => {
      const slowTool = tool(
        async () => {
          await new Promise((r) => setTimeout(r, 900));
          return "done";
        },
        { name: "slow_tool", description: "Takes a while.", schema: z.object({}) },
      );
      const server = await scripted({
        script: (_req, i) =>
          i === 0
            ? { kind: "tool_calls", calls: [{ id: "c1", name: "slow_tool", arguments: "{}" }] }
            : { kind: "text", chunks: ["a ", "b"], delayMs: 2000 },
      });
      const model = openai(server.url, { timeoutMs: 600 });
      const { events, emit } = collector();
      const started = Date.now();
      const err = await agentTurn({
        model,
        tools: [slowTool],
        input: "x",
        emit,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect((err as ModelError).kind).toBe("timeout");
      expect(Date.now() - started).toBeLessThan(900 + 600 + 3000);
      // The 900 ms tool ran to completion although the model timeout is 600 ms.
      expect(events.map(seedWire).slice(0, 3)).toEqual([
        { event: "tool_start", data: "slow_tool" },
        { event: "tool_end", data: "slow_tool" },
        { event: "token", data: "a " },
      ]);
      expect(server.requests[1]?.body.messages.find((m) => m.role === "tool")?.content).toBe("done");
    });

    it("a model that keeps calling tools is stopped after maxToolRounds with a clear error", async () => {
      const server = await scripted({
        script: (_req, i) => ({ kind: "tool_calls", calls: [{ id: `c${i}`, name: "list_dir", arguments: "{}" }] }),
      });
      const { emit } = collector();
      const err = await agentTurn({
        model: openai(server.url),
        tools: await box.tools(),
        input: "x",
        emit,
        maxToolRounds: 2,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect((err as ModelError).publicMessage).toBe("the agent did not answer within 2 tool rounds");
    });

    it("an emit failure is rethrown as it is", async () => {
      const server = await scripted({ script: () => ({ kind: "text", chunks: ["a ", "b"] }) });
      const failure = new Error("client went away");
      const err = await agentTurn({
        model: openai(server.url),
        tools: [],
        input: "x",
        emit: () => {
          throw failure;
        },
      }).catch((e: unknown) => e);
      expect(err).toBe(failure);
    });
  },
);

describe("runAgentTurn with the offline model and the real file server over stdio", { timeout: 20_000 }, () => {
  it('"list files" runs list_dir through MCP and answers with the file names', async () => {
    const { events, emit } = collector();
    const result = await agentTurn({
      model: new OfflineChatModel(),
      tools: await box.tools(),
      input: "list files",
      emit,
    });
    expect(events.map(seedWire).slice(0, 2)).toEqual([
      { event: "tool_start", data: "list_dir" },
      { event: "tool_end", data: "list_dir" },
    ]);
    const tokens = events.slice(2);
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.every((e) => e.event === "token")).toBe(true);
    expect(tokens.map((e) => e.data).join("")).toBe(result.text);
    expect(result.text.startsWith(OFFLINE_MARKER)).toBe(true);
    expect(result.text).toContain("zebra-report.txt");
    expect(types(result.messages)).toEqual(["human", "ai", "tool", "ai"]);
  });

  it("a later turn sees what the tools returned (history carries the tool messages)", async () => {
    const { emit } = collector();
    const first = await agentTurn({
      model: new OfflineChatModel(),
      tools: await box.tools(),
      input: "read readme.md",
      emit,
    });
    expect(first.text).toContain("# Read me");
    const second = collector();
    const next = await agentTurn({
      model: new OfflineChatModel(),
      tools: await box.tools(),
      history: first.messages,
      input: "what did I say before?",
      emit: second.emit,
    });
    expect(next.text).toContain("read readme.md");
    expect(types(next.messages)).toEqual(["human", "ai"]);
  });
});
