// The OpenAI-compatible and AI SDK doors through the distributed pipeline: real gateway and runner
// processes, a private Redis, the file server over HTTP, the official `openai` SDK and the `ai` package.
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelineScript } from "./script.js";
import { useBackend, useFileServer } from "./fixtures.js";
import { replicaSet } from "./stack.js";

const backend = useBackend(pipelineScript);
const files = useFileServer();
const { gateways, start, stop } = replicaSet();

beforeAll(async () => {
  const common = { ...backend.env, CHAT_MODEL_ID: "gpt-4o-mini" };
  await start([{ ...common, MCP_SERVER_URL: files.server.url, MCP_TRANSPORT: "streamable_http" }], common);
});

afterAll(stop);

const sdk = (i: number) => new OpenAI({ baseURL: `${gateways[i]?.url}/v1`, apiKey: "unused", maxRetries: 0 });

describe("OpenAI door, distributed", () => {
  it("the agent model runs an MCP tool on the runner; the +details block carries its arguments and result through Redis", async () => {
    const stream = await sdk(0).chat.completions.create({
      model: "gpt-4o-mini+tools+details",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "list files please" }],
    });
    let text = "";
    let usage = false;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? "";
      if (c.usage) usage = true;
    }
    expect(text).toMatch(
      /^<details type="tool_calls" done="true" id="[^"]+" name="list_dir" arguments="\{&quot;path&quot;:&quot;.&quot;\}" result="[^"]*notes\.txt/,
    );
    expect(text).toContain("files: ");
    expect(usage).toBe(true);
  });

  it("stateless messages travel in the BullMQ job: the runner answers on the client's conversation", async () => {
    const before = backend.upstream.requests.length;
    const res = await sdk(1).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "user", content: "I am Ada" },
        { role: "assistant", content: "Hi Ada" },
        { role: "user", content: "who am I" },
      ],
    });
    expect(res.choices[0]?.message.content).toBe("echo: who am I");
    expect(backend.upstream.requests[before]?.body.messages.slice(1).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "user",
    ]);
  });

  it("a `break` cancels the turn on the runner through Redis: the upstream request is aborted", async () => {
    const aborted = backend.upstream.abortedStreams;
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ");
    const stream = await sdk(0).chat.completions.create({
      model: "gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: `slow:30:${words}` }],
    });
    let n = 0;
    for await (const c of stream) if ((c.choices[0]?.delta.content ?? "") !== "" && ++n === 3) break;
    await expect.poll(() => backend.upstream.abortedStreams, { timeout: 5_000 }).toBe(aborted + 1);
  });
});

describe("AI SDK door, distributed", () => {
  it("an answer started on one gateway is resumed on the other after the connection is cut", async () => {
    const words = Array.from({ length: 30 }, (_, i) => `v${i} `).join("");
    const chatId = `e2e-chat-${Date.now()}`;
    const message = (text: string): UIMessage => ({ id: "u1", role: "user", parts: [{ type: "text", text }] });
    const cut = new AbortController();
    const first = await new DefaultChatTransport({ api: `${gateways[0]?.url}/v1/ui/chat` }).sendMessages({
      chatId,
      trigger: "submit-message",
      messageId: undefined,
      abortSignal: cut.signal,
      messages: [message(`slow:25:${words}`)],
    });
    const reader = first.getReader();
    for (let deltas = 0; deltas < 3;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (value.type === "text-delta") deltas += 1;
    }
    cut.abort();
    await reader.cancel().catch(() => undefined);
    const resumed = await new DefaultChatTransport({ api: `${gateways[1]?.url}/v1/ui/chat` }).reconnectToStream({
      chatId,
    });
    expect(resumed).not.toBeNull();
    let last: UIMessage | undefined;
    for await (const m of readUIMessageStream({ stream: resumed as ReadableStream<UIMessageChunk> })) last = m;
    expect(last?.parts.filter((p) => p.type === "text").map((p) => (p.type === "text" ? p.text : ""))).toEqual([words]);
  });
});
