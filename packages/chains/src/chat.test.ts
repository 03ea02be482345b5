import type { TurnEvent } from "@acb/schemas";
import { toolCallsThenText } from "@acb/testkit";
import { AIMessage, AIMessageChunk, HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { createAgent } from "langchain";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { buildChatChain, runChatTurn, SYSTEM_PROMPT } from "./chat.js";
import { ModelError } from "./errors.js";
import { resolveProvider } from "./model-config.js";
import { createChatModel } from "./models.js";
import { OfflineChatModel } from "./offline.js";
import { collector } from "./test/collector.js";
import { modelConfig, openai, useScriptedOpenAI } from "./test/scripted.js";

const scripted = useScriptedOpenAI();

async function failure(p: Promise<unknown>): Promise<ModelError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return err as ModelError;
  }
  throw new Error("expected the turn to fail");
}

const SECRET = "sk-very-secret-key-123";

function expectSafe(err: ModelError, url: string): void {
  const u = new URL(url);
  for (const text of [err.publicMessage, err.message]) {
    expect(text).not.toContain(u.host);
    expect(text).not.toContain("127.0.0.1");
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/\/work\/|node_modules|\n\s+at /);
  }
}

describe("resolveProvider / createChatModel", () => {
  it.each([
    [undefined, undefined, undefined, "offline"],
    [undefined, "", "  ", "offline"],
    [undefined, "sk-1", undefined, "openai"],
    [undefined, undefined, "http://localhost:11434/v1", "openai"],
    ["offline", "sk-1", "http://x/v1", "offline"],
    ["openai", undefined, undefined, "openai"],
  ] as const)("explicit=%s key=%s baseUrl=%s -> %s", (explicit, key, base, expected) => {
    expect(resolveProvider(explicit, key, base)).toBe(expected);
  });

  it("builds the offline model or a streaming ChatOpenAI with the configured settings", () => {
    const offline = createChatModel({ provider: "offline", model: "gpt-4o-mini", timeoutMs: 1000, maxRetries: 2 });
    expect(offline).toBeInstanceOf(OfflineChatModel);
    expect(offline._llmType()).toBe("offline");

    const real = createChatModel({
      provider: "openai",
      apiKey: "sk-x",
      model: "gpt-4o-mini",
      timeoutMs: 1234,
      maxRetries: 2,
    });
    expect(real).toBeInstanceOf(ChatOpenAI);
    const chat = real as ChatOpenAI;
    expect(chat.model).toBe("gpt-4o-mini");
    expect(chat.temperature).toBe(0.2);
    expect(chat.disableStreaming).toBe(false);
    expect(chat.streamUsage).toBe(true);
    expect(chat.timeout).toBe(1234);
    expect(chat.apiKey).toBe("sk-x");

    const overridden = createChatModel(
      {
        provider: "openai",
        baseUrl: "http://localhost:1/v1",
        model: "a",
        temperature: 0.5,
        timeoutMs: 1,
        maxRetries: 0,
      },
      { model: "b", temperature: 0.9 },
    ) as ChatOpenAI;
    expect(overridden.model).toBe("b");
    expect(overridden.temperature).toBe(0.9);
    expect(overridden.apiKey).toBe("not-needed");

    expect(() => createChatModel({ provider: "openai", model: "m", timeoutMs: 1, maxRetries: 0 })).toThrow(
      /OPENAI_API_KEY/,
    );
  });

  it("per-request model and temperature reach the upstream; defaults otherwise", async () => {
    const server = await scripted();
    const base = openai(server.url, { apiKey: SECRET });
    await base.invoke("one");
    const over = createChatModel(modelConfig(server.url, { apiKey: SECRET }), { model: "llama3.2", temperature: 0.7 });
    await over.invoke("two");
    expect(server.requests[0]?.body.model).toBe("gpt-4o-mini");
    expect(server.requests[0]?.body.temperature).toBe(0.2);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(server.requests[1]?.body.model).toBe("llama3.2");
    expect(server.requests[1]?.body.temperature).toBe(0.7);
    expect(server.requests[1]?.body.stream).not.toBe(true);
    const streamed = await over.stream("three");
    for await (const _chunk of streamed) {
      // drain
    }
    expect(server.requests[2]?.body.stream).toBe(true);
    expect(server.requests[2]?.body.model).toBe("llama3.2");
    expect(server.requests[2]?.body.temperature).toBe(0.7);
  });
});

describe("runChatTurn over ChatOpenAI and the scripted server", () => {
  it("streams the scripted chunks as token events in order and returns the turn's messages", async () => {
    const server = await scripted({
      script: () => ({ kind: "text", chunks: ["Hel", "lo", ", ", "wor", "ld\nbye"], delayMs: 5 }),
    });
    const model = openai(server.url);
    const { events, emit } = collector();
    const result = await runChatTurn({ model, history: [], input: "hi", signal: new AbortController().signal, emit });
    expect(events).toEqual(["Hel", "lo", ", ", "wor", "ld\nbye"].map((data) => ({ event: "token", data })));
    expect(result.text).toBe("Hello, world\nbye");
    expect(result.messages).toHaveLength(2);
    expect(HumanMessage.isInstance(result.messages[0])).toBe(true);
    expect(result.messages[0]?.content).toBe("hi");
    expect(AIMessage.isInstance(result.messages[1])).toBe(true);
    expect(result.messages[1]?.content).toBe("Hello, world\nbye");
    expect(server.requests[0]?.body.stream_options).toEqual({ include_usage: true });
  });

  it("sends the system prompt first, then the history, then the human input", async () => {
    const server = await scripted();
    const model = openai(server.url);
    const { emit } = collector();
    const history = [new HumanMessage("my name is Ada"), new AIMessage("Hi Ada"), new HumanMessage("I like {braces}")];
    const result = await runChatTurn({
      model,
      history,
      input: "what is my name?",
      signal: new AbortController().signal,
      emit,
    });
    expect(result.text).toBe("echo: what is my name?");
    const messages = server.requests[0]?.body.messages.map((m) => [m.role, m.content]);
    expect(messages).toEqual([
      ["system", SYSTEM_PROMPT],
      ["user", "my name is Ada"],
      ["assistant", "Hi Ada"],
      ["user", "I like {braces}"],
      ["user", "what is my name?"],
    ]);
  });

  it("the chain also works without streaming consumers (invoke) and with the offline model", async () => {
    const server = await scripted();
    const chain = buildChatChain(openai(server.url));
    expect(await chain.invoke({ input: "x y", history: [] })).toBe("echo: x y");
    const offline = await buildChatChain(new OfflineChatModel()).invoke({ input: "hello", history: [] });
    expect(offline).toMatch(/^\[offline demo model\] /);
  });

  it("an upstream HTTP 500 becomes a safe ModelError of kind upstream", async () => {
    const server = await scripted({
      script: () => ({
        kind: "http_error",
        status: 500,
        body: { error: { message: `boom at /work/secret/path ${SECRET}`, type: "server_error" } },
      }),
    });
    const model = openai(server.url, { apiKey: SECRET });
    const { events, emit } = collector();
    const err = await failure(
      runChatTurn({ model, history: [], input: "hi", signal: new AbortController().signal, emit }),
    );
    expect(err.kind).toBe("upstream");
    expect(err.status).toBe(500);
    expect(err.publicMessage).toBe("the model provider returned HTTP 500");
    expectSafe(err, server.url);
    expect(events).toEqual([]);
  });

  it("HTTP 429 becomes rate_limited", async () => {
    const server = await scripted({
      script: () => ({ kind: "http_error", status: 429, body: { error: { message: "slow down", type: "requests" } } }),
    });
    const model = openai(server.url);
    const err = await failure(
      runChatTurn({ model, history: [], input: "hi", signal: new AbortController().signal, emit: collector().emit }),
    );
    expect(err.kind).toBe("rate_limited");
    expect(err.status).toBe(429);
    expectSafe(err, server.url);
  });

  it("retries are bounded: maxRetries 1 on a 500 makes exactly two requests", async () => {
    const server = await scripted({ script: () => ({ kind: "http_error", status: 500 }) });
    const model = openai(server.url, { maxRetries: 1 });
    const err = await failure(
      runChatTurn({ model, history: [], input: "hi", signal: new AbortController().signal, emit: collector().emit }),
    );
    expect(err.kind).toBe("upstream");
    expect(server.requests).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.requests).toHaveLength(2);
  });

  it("a retry after one 500 can succeed", async () => {
    const server = await scripted({
      script: (req, i) => (i === 0 ? { kind: "http_error", status: 500 } : { kind: "text", chunks: ["ok"] }),
    });
    const model = openai(server.url, { maxRetries: 2 });
    const result = await runChatTurn({
      model,
      history: [],
      input: "hi",
      signal: new AbortController().signal,
      emit: collector().emit,
    });
    expect(result.text).toBe("ok");
    expect(server.requests).toHaveLength(2);
  });

  it("an upstream that hangs becomes a timeout within about timeoutMs", async () => {
    const server = await scripted({ script: () => ({ kind: "hang" }) });
    const model = openai(server.url, { timeoutMs: 500, maxRetries: 0 });
    const started = Date.now();
    const err = await failure(
      runChatTurn({ model, history: [], input: "hi", signal: new AbortController().signal, emit: collector().emit }),
    );
    const elapsed = Date.now() - started;
    expect(err.kind).toBe("timeout");
    expect(err.publicMessage).toBe("the model did not answer within 0.5 s");
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5000); // not forever: the margin is for a busy box
    expectSafe(err, server.url);
  });

  it("a stream that stalls after some tokens also times out", async () => {
    const server = await scripted({ script: () => ({ kind: "text", chunks: ["a", "b"], delayMs: 5000 }) });
    const model = openai(server.url, { timeoutMs: 400, maxRetries: 0 });
    const { events, emit } = collector();
    const started = Date.now();
    const err = await failure(
      runChatTurn({ model, history: [], input: "hi", signal: new AbortController().signal, emit }),
    );
    expect(err.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(4500); // before the stalled stream's next token at 5 s
    expect(events).toEqual([{ event: "token", data: "a" }]);
  });

  it("abort via the signal gives kind aborted, mid-stream and before start", async () => {
    const server = await scripted({
      script: () => ({ kind: "text", chunks: ["a ", "b ", "c ", "d "], delayMs: 2000 }),
    });
    const model = openai(server.url);
    const ctrl = new AbortController();
    const events: TurnEvent[] = [];
    const started = Date.now();
    const err = await failure(
      runChatTurn({
        model,
        history: [],
        input: "hi",
        signal: ctrl.signal,
        emit: (e) => {
          events.push(e);
          if (events.length === 1) ctrl.abort();
        },
      }),
    );
    expect(err.kind).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(2000); // before the second token
    expect(events).toEqual([{ event: "token", data: "a " }]);

    const already = new AbortController();
    already.abort();
    const before = server.requests.length;
    const err2 = await failure(
      runChatTurn({ model, history: [], input: "hi", signal: already.signal, emit: collector().emit }),
    );
    expect(err2.kind).toBe("aborted");
    expect(server.requests.length).toBe(before);
  });

  it("abort while the upstream hangs gives aborted, not timeout", async () => {
    const server = await scripted({ script: () => ({ kind: "hang" }) });
    const model = openai(server.url, { timeoutMs: 5000 });
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 150);
    const started = Date.now();
    const err = await failure(
      runChatTurn({ model, history: [], input: "hi", signal: ctrl.signal, emit: collector().emit }),
    );
    expect(err.kind).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(4000); // well before the 5 s timeout
  });

  it("a socket dropped mid-stream becomes a ModelError after the tokens already sent", async () => {
    const server = await scripted({ script: () => ({ kind: "drop_mid_stream", chunks: ["par", "tial"] }) });
    const model = openai(server.url);
    const { events, emit } = collector();
    const err = await failure(
      runChatTurn({ model, history: [], input: "hi", signal: new AbortController().signal, emit }),
    );
    expect(err.kind).toBe("upstream");
    expectSafe(err, server.url);
    expect(events.map((e) => e.data).join("")).toBe("partial");
  });

  it("errors thrown by emit are rethrown unchanged, not disguised as model errors", async () => {
    const server = await scripted();
    const model = openai(server.url);
    const boom = new Error("event log down");
    await expect(
      runChatTurn({
        model,
        history: [],
        input: "hi",
        signal: new AbortController().signal,
        emit: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
  });
});

describe("tool calls over ChatOpenAI and the scripted server", () => {
  const listDir = tool(async () => "a.txt\nb.txt", {
    name: "list_dir",
    description: "List files under ROOT/path filtered by glob pattern.",
    schema: z.object({ path: z.string(), pattern: z.string() }),
  });

  it("streamed tool-call deltas reassemble into tool calls; the tools reach the upstream", async () => {
    const server = await scripted({
      script: () => ({
        kind: "tool_calls",
        calls: [{ id: "call_1", name: "list_dir", arguments: JSON.stringify({ path: "docs", pattern: "*.md" }) }],
      }),
    });
    const model = openai(server.url);
    if (model.bindTools === undefined) throw new Error("ChatOpenAI must support bindTools");
    const bound = model.bindTools([listDir]);
    let message: AIMessageChunk | undefined;
    for await (const chunk of await bound.stream("what markdown files are in docs?"))
      message = message === undefined ? chunk : message.concat(chunk);
    expect(message?.tool_calls).toEqual([
      { id: "call_1", name: "list_dir", args: { path: "docs", pattern: "*.md" }, type: "tool_call" },
    ]);
    const tools = server.requests[0]?.body.tools as Array<{ function: { name: string } }>;
    expect(tools.map((t) => t.function.name)).toEqual(["list_dir"]);
  });

  it("createAgent with ChatOpenAI runs the tool and sends its result back to the model", async () => {
    const server = await scripted({
      script: toolCallsThenText(
        [{ id: "call_7", name: "list_dir", arguments: '{"path":".","pattern":"*"}' }],
        ["The files are ", "a.txt and b.txt."],
      ),
    });
    const agent = createAgent({ model: openai(server.url), tools: [listDir] });
    const result = await agent.invoke({ messages: [new HumanMessage("list files")] });
    expect(result.messages.at(-1)?.text).toBe("The files are a.txt and b.txt.");
    expect(server.requests).toHaveLength(2);
    const second = server.requests[1]?.body.messages ?? [];
    expect(second.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(second[2]).toMatchObject({ role: "tool", tool_call_id: "call_7", content: "a.txt\nb.txt" });
  });
});
