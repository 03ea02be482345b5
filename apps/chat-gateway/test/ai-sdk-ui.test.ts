// The `ai` package (v5) against POST /v1/ui/chat and GET /v1/ui/chat/{id}/stream: DefaultChatTransport,
// readUIMessageStream, reconnectToStream. In process, embedded pipeline, real file server for tool parts.
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import { beforeAll, describe, expect, it } from "vitest";
import { useScriptedGateway } from "./harness.js";

const stack = useScriptedGateway({ TURN_TIMEOUT_MS: "10000" }, { files: { "notes.txt": "hello\n" } });
let transport: DefaultChatTransport<UIMessage>;
beforeAll(() => {
  transport = new DefaultChatTransport({ api: `${stack.gw.url}/v1/ui/chat` });
});

const userMessage = (text: string, id = `u-${Math.random().toString(36).slice(2)}`): UIMessage => ({
  id,
  role: "user",
  parts: [{ type: "text", text }],
});

async function finalMessage(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage | undefined> {
  let last: UIMessage | undefined;
  for await (const m of readUIMessageStream({ stream })) last = m;
  return last;
}

describe("AI SDK UI message stream v1", () => {
  it("text: one assistant message with the streamed text, from the client's whole conversation", async () => {
    stack.upstream.script((req) => ({
      kind: "text",
      chunks: ["Hi ", "Ada, ", `you sent ${req.body.messages.length - 1} messages.`],
    }));
    const before = stack.upstream.requests.length;
    const chatId = `chat-${Date.now()}`;
    const stream = await transport.sendMessages({
      chatId,
      trigger: "submit-message",
      messageId: undefined,
      abortSignal: undefined,
      messages: [
        userMessage("I am Ada"),
        { id: "a1", role: "assistant", parts: [{ type: "text", text: "Hello Ada" }] },
        userMessage("who am I?"),
      ],
    });
    const message = await finalMessage(stream);
    expect(message?.role).toBe("assistant");
    expect(message?.parts.filter((p) => p.type === "text").map((p) => (p.type === "text" ? p.text : ""))).toEqual([
      "Hi Ada, you sent 3 messages.",
    ]);
    expect(
      stack.upstream.requests[before]?.body.messages.slice(1).map((m) => `${m.role}: ${String(m.content)}`),
    ).toEqual(["user: I am Ada", "assistant: Hello Ada", "user: who am I?"]);
    // Finished: nothing to resume.
    expect(await transport.reconnectToStream({ chatId })).toBeNull();
  });

  it("tools: a dynamic tool part with the MCP call's input and output, then the answer", async () => {
    stack.upstream.script((req) =>
      req.body.messages.some((m) => m.role === "tool")
        ? { kind: "text", chunks: ["There ", "is ", "notes.txt."] }
        : { kind: "tool_calls", calls: [{ id: "call_ui_1", name: "files__list_dir", arguments: '{"path":"."}' }] },
    );
    const stream = await transport.sendMessages({
      chatId: `chat-tools-${Date.now()}`,
      trigger: "submit-message",
      messageId: undefined,
      abortSignal: undefined,
      messages: [userMessage("what files?")],
    });
    const message = await finalMessage(stream);
    const tool = message?.parts.find((p) => p.type === "dynamic-tool");
    expect(tool).toMatchObject({
      type: "dynamic-tool",
      toolName: "files__list_dir",
      toolCallId: "call_ui_1",
      state: "output-available",
      input: { path: "." },
    });
    expect(tool?.type === "dynamic-tool" && tool.state === "output-available" ? String(tool.output) : "").toContain(
      "notes.txt",
    );
    const texts = message?.parts.filter((p) => p.type === "text").map((p) => (p.type === "text" ? p.text : ""));
    expect(texts?.join("")).toBe("There is notes.txt.");
  });

  it("reconnectToStream after the connection is cut mid-answer gives one whole message, nothing repeated", async () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i} `);
    stack.upstream.script(() => ({ kind: "text", chunks: words, delayMs: 25 }));
    const chatId = `chat-cut-${Date.now()}`;
    const cut = new AbortController();
    const stream = await transport.sendMessages({
      chatId,
      trigger: "submit-message",
      messageId: undefined,
      abortSignal: cut.signal,
      messages: [userMessage("talk")],
    });
    const reader = stream.getReader();
    let deltas = 0;
    while (deltas < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      if (value.type === "text-delta") deltas += 1;
    }
    cut.abort();
    await reader.cancel().catch(() => undefined);
    const resumed = await transport.reconnectToStream({ chatId });
    expect(resumed).not.toBeNull();
    const message = await finalMessage(resumed as ReadableStream<UIMessageChunk>);
    const texts = message?.parts.filter((p) => p.type === "text").map((p) => (p.type === "text" ? p.text : ""));
    expect(texts).toEqual([words.join("")]);
  });

  it("resume with Last-Event-ID sends only what follows; an unknown chat is 204; bad input is a 400 naming the field", async () => {
    stack.upstream.script(() => ({
      kind: "text",
      chunks: Array.from({ length: 20 }, (_, i) => `t${i} `),
      delayMs: 20,
    }));
    const chatId = `chat-lei-${Date.now()}`;
    const post = await fetch(`${stack.gw.url}/v1/ui/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: chatId, messages: [userMessage("go")], trigger: "submit-message" }),
    });
    expect(post.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    // Read until a whole frame with an id arrived, then hang up and resume after the last such frame (one read can
    // bring several frames, and end inside one).
    const reader = post.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let seen: string[] = [];
    let lastId: string | undefined;
    while (lastId === undefined) {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
      const frames = text.slice(0, text.lastIndexOf("\n\n") + 1).split(/\n\n/);
      const last = frames.findLastIndex((f) => /^id: /m.test(f));
      if (last === -1) continue;
      seen = frames.slice(0, last + 1);
      lastId = /^id: (.+)$/m.exec(seen[last] ?? "")?.[1];
    }
    await reader.cancel();
    const resumed = await fetch(`${stack.gw.url}/v1/ui/chat/${chatId}/stream`, {
      headers: { "last-event-id": lastId },
    });
    const rest = await resumed.text();
    expect(rest).not.toContain('"type":"start"');
    expect(rest.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const deltas = [...seen, ...rest.split(/\n\n/)]
      .flatMap((f) => /data: (\{.*\})/.exec(f)?.[1] ?? [])
      .map((d) => JSON.parse(d) as { type: string; delta?: string })
      .filter((d) => d.type === "text-delta")
      .map((d) => d.delta);
    // What was read before the cut plus what the resume sent is the whole answer once.
    expect(deltas.join("")).toBe(Array.from({ length: 20 }, (_, i) => `t${i} `).join(""));

    expect((await fetch(`${stack.gw.url}/v1/ui/chat/nobody-${Date.now()}/stream`)).status).toBe(204);
    const bad = await fetch(`${stack.gw.url}/v1/ui/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "../x", messages: [] }),
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { details: Array<{ field: string }> } };
    expect(body.error.details.map((d) => d.field)).toEqual(expect.arrayContaining(["id", "messages"]));
    expect((await fetch(`${stack.gw.url}/v1/ui/chat/x/stream`, { headers: { "last-event-id": "nope" } })).status).toBe(
      400,
    );
  });
});
