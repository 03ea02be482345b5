import type { TurnEvent } from "@acb/schemas";
import {
  AIMessage,
  AIMessageChunk,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildChatChain, runChatTurn } from "./chat.js";
import { OFFLINE_MODEL_NAME } from "./model-config.js";
import { detectFileIntent, OFFLINE_MARKER, OfflineChatModel, offlineReply } from "./offline.js";

async function streamText(
  model: OfflineChatModel,
  messages: BaseMessage[],
): Promise<{ chunks: string[]; last: AIMessageChunk | undefined }> {
  const chunks: string[] = [];
  let aggregate: AIMessageChunk | undefined;
  for await (const chunk of await model.stream(messages)) {
    if (typeof chunk.content === "string" && chunk.content !== "") chunks.push(chunk.content);
    aggregate = aggregate === undefined ? chunk : aggregate.concat(chunk);
  }
  return { chunks, last: aggregate };
}

const listDir = tool(
  async ({ path }: { path: string; pattern?: string }) =>
    path === "missing" ? "Error: no such directory: missing" : "a.txt\nb.txt",
  {
    name: "list_dir",
    description: "List files under ROOT/path filtered by glob pattern.",
    schema: z.object({ path: z.string().default("."), pattern: z.string().default("*") }),
  },
);

const readText = tool(
  async ({ path }: { path: string }) => `# Title of ${path}\nsecond line\nthird line\nfourth line\n`,
  {
    name: "files__read_text",
    description: "Read a UTF-8 text file under ROOT.",
    schema: z.object({ path: z.string() }),
  },
);

describe("OfflineChatModel", () => {
  it("streams word by word; the joined chunks equal the invoke text; it is deterministic and marked", async () => {
    const model = new OfflineChatModel();
    const messages = [new HumanMessage("tell me something about streams please")];
    const invoked = await model.invoke(messages);
    const again = await model.invoke(messages);
    const { chunks, last } = await streamText(model, messages);
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c).toMatch(/^\S+\s*$/);
    expect(chunks.join("")).toBe(invoked.content);
    expect(again.content).toBe(invoked.content);
    expect(invoked.text.startsWith(`${OFFLINE_MARKER} `)).toBe(true);
    expect(invoked.text).toMatch(/offline demo model, not an LLM/);
    expect(invoked.response_metadata.model_name).toBe(OFFLINE_MODEL_NAME);
    expect(last?.response_metadata.model_name).toBe(OFFLINE_MODEL_NAME);
    expect(last?.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect(model._llmType()).toBe("offline");
  });

  it("remembers a name across the history, and quotes earlier messages", async () => {
    const model = new OfflineChatModel();
    const h1 = [new HumanMessage("my name is Ada")];
    const a1 = await model.invoke(h1);
    expect(a1.text).toContain("Ada");
    const h2 = [...h1, new AIMessage(a1.text), new HumanMessage("what is my name?")];
    const a2 = await model.invoke(h2);
    expect(a2.text).toMatch(/^\[offline demo model\] Your name is Ada\.$/);
    const noName = await model.invoke([new HumanMessage("what is my name?")]);
    expect(noName.text).toContain("not told me your name");

    const h3 = [...h2, new AIMessage(a2.text), new HumanMessage("what was my first message?")];
    expect((await model.invoke(h3)).text).toContain('"my name is Ada"');
    const h4 = [...h2, new AIMessage(a2.text), new HumanMessage("what did I say before?")];
    expect((await model.invoke(h4)).text).toContain('"what is my name?"');

    const other = await model.invoke([
      new SystemMessage("sys"),
      ...h2,
      new AIMessage(a2.text),
      new HumanMessage("nice weather"),
    ]);
    expect(other.text).toContain("I remember 4 earlier messages");
    expect(other.text.startsWith(OFFLINE_MARKER)).toBe(true);
    expect(other.text).not.toContain("not an LLM");
  });

  it("works in the LCEL chat chain with history through runChatTurn (several token events)", async () => {
    const events: TurnEvent[] = [];
    const history = [new HumanMessage("my name is Grace"), new AIMessage("noted")];
    const result = await runChatTurn({
      model: new OfflineChatModel(),
      history,
      input: "what's my name?",
      signal: new AbortController().signal,
      emit: (e) => {
        events.push(e);
      },
    });
    expect(result.text).toBe(`${OFFLINE_MARKER} Your name is Grace.`);
    expect(events.length).toBeGreaterThan(3);
    expect(events.map((e) => e.data).join("")).toBe(result.text);
    expect(await buildChatChain(new OfflineChatModel()).invoke({ input: "what's my name?", history })).toBe(
      result.text,
    );
  });

  it("honours an aborted signal", async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    const err = await runChatTurn({
      model: new OfflineChatModel({ wordDelayMs: 5 }),
      history: [],
      input: "hi",
      signal: ctrl.signal,
      emit: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "aborted" });
  });

  it("detects file intents", () => {
    expect(detectFileIntent("list files")).toEqual({ tool: "list_dir", path: ".", pattern: "*" });
    expect(detectFileIntent("what files are in docs?")).toEqual({ tool: "list_dir", path: "docs", pattern: "*" });
    expect(detectFileIntent("list *.md files in docs/guides")).toEqual({
      tool: "list_dir",
      path: "docs/guides",
      pattern: "*.md",
    });
    expect(detectFileIntent("read README.md")).toEqual({ tool: "read_text", path: "README.md" });
    expect(detectFileIntent("show me notes.txt")).toEqual({ tool: "read_text", path: "notes.txt" });
    expect(detectFileIntent("what's in docs/intro.md?")).toEqual({ tool: "read_text", path: "docs/intro.md" });
    expect(detectFileIntent("list the markdown files under docs/")).toEqual({
      tool: "list_dir",
      path: "docs",
      pattern: "*.md",
    });
    expect(detectFileIntent("hello there")).toBeUndefined();
    expect(detectFileIntent("tell me about version 2.5 of node")).toBeUndefined();
    expect(detectFileIntent("I saved it as report.pdf yesterday")).toBeUndefined();
  });

  it("with bound tools, emits a tool call for a file question and summarises the tool result", async () => {
    const bound = new OfflineChatModel().bindTools([listDir, readText]);
    const q = [new HumanMessage("what files are in docs?")];
    const call = await bound.invoke(q);
    expect(call.tool_calls).toEqual([
      { id: expect.any(String), name: "list_dir", args: { path: "docs", pattern: "*" }, type: "tool_call" },
    ]);

    // Streaming gives the same tool call (assembled from tool_call_chunks).
    let streamed: AIMessageChunk | undefined;
    for await (const c of await bound.stream(q)) streamed = streamed === undefined ? c : streamed.concat(c);
    expect(streamed?.tool_calls?.map((c) => [c.name, c.args])).toEqual([["list_dir", { path: "docs", pattern: "*" }]]);

    const id = call.tool_calls?.[0]?.id ?? "";
    const after = await bound.invoke([...q, call, new ToolMessage({ content: "a.txt\nb.txt", tool_call_id: id })]);
    expect(after.tool_calls ?? []).toEqual([]);
    expect(after.text).toBe(`${OFFLINE_MARKER} I found 2 files in docs: a.txt, b.txt.`);

    const read = await bound.invoke([new HumanMessage("read README.md")]);
    expect(read.tool_calls?.[0]).toMatchObject({ name: "files__read_text", args: { path: "README.md" } });
    const readId = read.tool_calls?.[0]?.id ?? "";
    const summary = await bound.invoke([
      new HumanMessage("read README.md"),
      read,
      new ToolMessage({
        content: [{ type: "text", text: "# Hello\nline two\nline three\nline four" }],
        tool_call_id: readId,
      }),
    ]);
    expect(summary.text).toContain("README.md has 4 lines");
    expect(summary.text).toContain("# Hello\nline two\nline three");
    expect(summary.text).not.toContain("line four");

    const failed = await bound.invoke([
      new HumanMessage("list files in missing"),
      new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "list_dir", args: { path: "missing" } }] }),
      new ToolMessage({ content: "Error: no such directory: missing", tool_call_id: "c1", status: "error" }),
    ]);
    expect(failed.text).toContain("reported an error");
    expect(failed.text).toContain("no such directory");

    // Without tools, file questions are answered in text; tools are never invented.
    const plain = await new OfflineChatModel().invoke(q);
    expect(plain.tool_calls ?? []).toEqual([]);
    expect(plain.text).toContain("no file tools are connected");
    // Memory questions win over file intents.
    const memory = await bound.invoke([
      new HumanMessage("list files"),
      new AIMessage("ok"),
      new HumanMessage("what did I say about files before?"),
    ]);
    expect(memory.tool_calls ?? []).toEqual([]);
    expect(memory.text).toContain('"list files"');
    // JSON-array results are understood too.
    const json = offlineReply(
      [
        new AIMessage({ content: "", tool_calls: [{ id: "x", name: "list_dir", args: { path: "." } }] }),
        new ToolMessage({ content: '["c.md","d.md"]', tool_call_id: "x" }),
      ],
      ["list_dir"],
    );
    expect(json.text).toContain("2 files in the files root: c.md, d.md");
  });

  it("only binds to a matching tool name (exact or server-prefixed)", () => {
    const q = [new HumanMessage("list files")];
    expect(offlineReply(q, ["files__list_dir"]).toolCalls[0]?.name).toBe("files__list_dir");
    expect(offlineReply(q, ["other_tool"]).toolCalls).toEqual([]);
    expect(offlineReply(q, ["xlist_dir"]).toolCalls).toEqual([]);
  });

  it("runs inside createAgent end to end with a local list_dir tool", async () => {
    const agent = createAgent({ model: new OfflineChatModel(), tools: [listDir] });
    const result = await agent.invoke({ messages: [new HumanMessage("list files")] });
    const messages = result.messages;
    const final = messages.at(-1);
    expect(final?.type).toBe("ai");
    expect(final?.text).toContain("a.txt");
    expect(final?.text).toContain("b.txt");
    expect(messages.some((m) => m.type === "tool" && m.text === "a.txt\nb.txt")).toBe(true);

    // Streaming events: tool start/end and token chunks, like the gateway consumes.
    const seen: string[] = [];
    let tokens = "";
    for await (const ev of agent.streamEvents({ messages: [new HumanMessage("list files")] }, { version: "v2" })) {
      if (ev.event === "on_tool_start" || ev.event === "on_tool_end") seen.push(`${ev.event}:${ev.name}`);
      if (ev.event === "on_chat_model_stream") {
        const chunk: unknown = ev.data.chunk;
        if (chunk instanceof AIMessageChunk && typeof chunk.content === "string") tokens += chunk.content;
      }
    }
    expect(seen).toEqual(["on_tool_start:list_dir", "on_tool_end:list_dir"]);
    expect(tokens).toContain("a.txt, b.txt");
  });
});
