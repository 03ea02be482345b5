import { AIMessageChunk, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { OFFLINE_MARKER, OfflineChatModel, offlineReply } from "./offline.js";
import { detectDocsIntent } from "./offline-docs.js";

// What the docs server (apps/mcp-docs) answers, as text: numbered hits with ids, then a chunk under a header line.
const SEARCH_RESULT = [
  "1. guides/offline-model.md § The offline demo model > What it is (id 3fa9c1d2-0007, score 0.032787)",
  "The offline model is a small deterministic chat model written as a LangChain BaseChatModel.",
  "",
  "2. reference/configuration.md § Models (id 3fa9c1d2-0011, score 0.016129)",
  "MODEL_PROVIDER=offline forces the demo model.",
].join("\n");
const DOC_RESULT = [
  "The offline demo model — guides/offline-model.md (chunk 2 of 4, § The offline demo model > What it is)",
  "## What it is",
  "The offline model is a small deterministic chat model written as a LangChain BaseChatModel.",
  "It is not a language model and never pretends to be one.",
  "Every answer is marked.",
  "A fourth line that is not quoted.",
].join("\n");

const searched: string[] = [];
const fetched: string[] = [];
const vectorSearch = tool(
  async ({ query }: { query: string; k?: number }) => {
    searched.push(query);
    return SEARCH_RESULT;
  },
  {
    name: "docs__vector_search",
    description: "Search the document collection.",
    schema: z.object({ query: z.string(), k: z.number().int().optional() }),
  },
);
const docGet = tool(
  async ({ id }: { id: string }) => {
    fetched.push(id);
    return DOC_RESULT;
  },
  { name: "docs__doc_get", description: "Fetch one chunk by id.", schema: z.object({ id: z.string() }) },
);
const listDir = tool(async () => "a.txt", {
  name: "files__list_dir",
  description: "List files.",
  schema: z.object({ path: z.string().default(".") }),
});

describe("the offline model and the docs tools", () => {
  it("recognises questions about the docs and what to search for", () => {
    expect(detectDocsIntent("search the docs for session scope")).toEqual({ query: "session scope" });
    expect(detectDocsIntent("What do the docs say about cancelling a turn?")).toEqual({ query: "cancelling a turn" });
    expect(detectDocsIntent("how do I cancel a turn, according to the docs?")).toEqual({
      query: "how do I cancel a turn",
    });
    expect(detectDocsIntent("look up rate limits in the documentation")).toEqual({ query: "rate limits" });
    expect(detectDocsIntent("Search docs for the offline model")).toEqual({ query: "the offline model" });
    // not docs questions: file questions about a docs folder, no topic, nothing about docs
    expect(detectDocsIntent("list the docs folder")).toBeUndefined();
    expect(detectDocsIntent("read docs/README.md")).toBeUndefined();
    expect(detectDocsIntent("what files are in docs?")).toBeUndefined();
    expect(detectDocsIntent("what do the docs say?")).toBeUndefined();
    expect(detectDocsIntent("hello there")).toBeUndefined();
  });

  it("searches with vector_search, reads the best hit with doc_get, then quotes it (prefixed names)", () => {
    const tools = ["files__list_dir", "files__read_text", "docs__vector_search", "docs__doc_get"];
    const q = new HumanMessage("what do the docs say about the offline model?");
    const first = offlineReply([q], tools);
    expect(first.toolCalls).toEqual([
      {
        id: expect.any(String),
        name: "docs__vector_search",
        args: { query: "the offline model", k: 3 },
        type: "tool_call",
      },
    ]);
    const searchCall = first.toolCalls[0];
    const afterSearch = [
      q,
      new AIMessageChunk({ content: "", tool_calls: first.toolCalls }),
      new ToolMessage({ content: SEARCH_RESULT, tool_call_id: searchCall?.id ?? "" }),
    ];
    const second = offlineReply(afterSearch, tools);
    expect(second.toolCalls).toEqual([
      { id: expect.any(String), name: "docs__doc_get", args: { id: "3fa9c1d2-0007" }, type: "tool_call" },
    ]);
    expect(second.toolCalls[0]?.id).not.toBe(searchCall?.id);
    const getCall = second.toolCalls[0];
    const third = offlineReply(
      [
        ...afterSearch,
        new AIMessageChunk({ content: "", tool_calls: second.toolCalls }),
        new ToolMessage({ content: DOC_RESULT, tool_call_id: getCall?.id ?? "" }),
      ],
      tools,
    );
    expect(third.toolCalls).toEqual([]);
    expect(third.text).toBe(
      `${OFFLINE_MARKER} The docs answer this in The offline demo model — guides/offline-model.md (chunk 2 of 4, § The offline demo model > What it is):\n` +
        "The offline model is a small deterministic chat model written as a LangChain BaseChatModel.\nIt is not a language model and never pretends to be one.\nEvery answer is marked.",
    );
  });

  it("without doc_get it lists what the search found; no hits and errors are said so; no docs tools, no call", () => {
    const q = new HumanMessage("search the docs for the offline model");
    const call = offlineReply([q], ["vector_search"]).toolCalls;
    expect(call.map((c) => c.name)).toEqual(["vector_search"]);
    const found = offlineReply(
      [
        q,
        new AIMessageChunk({ content: "", tool_calls: call }),
        new ToolMessage({ content: SEARCH_RESULT, tool_call_id: call[0]?.id ?? "" }),
      ],
      ["vector_search"],
    );
    expect(found.text).toBe(
      `${OFFLINE_MARKER} Searching the docs for "the offline model" found 2 passages: guides/offline-model.md § The offline demo model > What it is; reference/configuration.md § Models.`,
    );
    const tools = ["vector_search", "doc_get"];
    const none = offlineReply(
      [
        q,
        new AIMessageChunk({ content: "", tool_calls: call }),
        new ToolMessage({ content: "No matching chunks.", tool_call_id: call[0]?.id ?? "" }),
      ],
      tools,
    );
    expect(none.toolCalls).toEqual([]);
    expect(none.text).toBe(`${OFFLINE_MARKER} The docs have nothing on "the offline model".`);
    const failed = offlineReply(
      [
        q,
        new AIMessageChunk({ content: "", tool_calls: call }),
        new ToolMessage({
          content: "NOT_INGESTED: nothing has been ingested",
          tool_call_id: call[0]?.id ?? "",
          status: "error",
        }),
      ],
      tools,
    );
    expect(failed.toolCalls).toEqual([]);
    expect(failed.text).toContain("reported an error");
    expect(failed.text).toContain("NOT_INGESTED");

    // only a real vector_search tool is called (exact or server-prefixed), never a look-alike or a file tool
    expect(offlineReply([q], ["xvector_search", "files__list_dir"]).toolCalls).toEqual([]);
    const plain = offlineReply([q], ["files__list_dir"]);
    expect(plain.toolCalls).toEqual([]);
    expect(plain.text).toContain("no docs tools are connected");
    // file questions still go to the file tools when docs tools are bound too
    expect(
      offlineReply([new HumanMessage("list files")], ["files__list_dir", "docs__vector_search"]).toolCalls[0]?.name,
    ).toBe("files__list_dir");
  });

  it("runs inside createAgent: vector_search then doc_get, the searched text and the fetched id reach the tools", async () => {
    searched.length = 0;
    fetched.length = 0;
    const agent = createAgent({ model: new OfflineChatModel(), tools: [listDir, vectorSearch, docGet] });
    const seen: string[] = [];
    let tokens = "";
    for await (const ev of agent.streamEvents(
      { messages: [new HumanMessage("search the docs for the offline model")] },
      { version: "v2" },
    )) {
      if (ev.event === "on_tool_start" || ev.event === "on_tool_end") seen.push(`${ev.event}:${ev.name}`);
      if (ev.event === "on_chat_model_stream") {
        const chunk: unknown = ev.data.chunk;
        if (chunk instanceof AIMessageChunk && typeof chunk.content === "string") tokens += chunk.content;
      }
    }
    expect(seen).toEqual([
      "on_tool_start:docs__vector_search",
      "on_tool_end:docs__vector_search",
      "on_tool_start:docs__doc_get",
      "on_tool_end:docs__doc_get",
    ]);
    expect(searched).toEqual(["the offline model"]);
    expect(fetched).toEqual(["3fa9c1d2-0007"]);
    expect(tokens.startsWith(OFFLINE_MARKER)).toBe(true);
    expect(tokens).toContain("guides/offline-model.md");
  });
});
