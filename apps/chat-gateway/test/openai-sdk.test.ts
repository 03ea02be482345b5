// The official `openai` SDK and @ai-sdk/openai-compatible against the gateway (in process, embedded pipeline,
// real ChatOpenAI against the scripted upstream, the real file server over stdio for the agent's tools).
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { startScriptedOpenAI, type ScriptedOpenAI } from "@acb/testkit";
import { streamText } from "ai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startInProcessGateway, type ListeningGateway } from "./harness.js";

let upstream: ScriptedOpenAI;
let gw: ListeningGateway;
let client: OpenAI;
let root: string;
const MODEL = "gpt-4o-mini";

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "acb-openai-"));
  writeFileSync(join(root, "alpha.txt"), "alpha\n");
  writeFileSync(join(root, "beta.md"), "# beta\n");
  upstream = await startScriptedOpenAI();
  gw = await startInProcessGateway({
    OPENAI_API_KEY: "sk-test-not-real",
    OPENAI_BASE_URL: upstream.url,
    CHAT_MODEL_ID: MODEL,
    ALLOWED_MODELS: `${MODEL},other-model`,
    MODEL_MAX_RETRIES: "0",
    FILES_ROOT: root,
    TURN_TIMEOUT_MS: "8000",
    MAX_BODY_BYTES: "65536",
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  upstream.script((req) => {
    const last = req.body.messages.filter((m) => m.role === "user").at(-1);
    return { kind: "text", chunks: `echo: ${String(last?.content ?? "")}`.split(/(?<= )/) };
  });
});

/** First a tool call to the file server's list_dir (embedded mode attaches two servers: names are prefixed), then an answer naming what the tool returned. */
const toolScript = () =>
  upstream.script((req, i) => {
    const toolResult = req.body.messages.find((m) => m.role === "tool");
    if (toolResult === undefined)
      return { kind: "tool_calls", calls: [{ id: `call_${i}`, name: "files__list_dir", arguments: '{"path":"."}' }] };
    return {
      kind: "text",
      chunks: ["The ", "files: ", String(toolResult.content).includes("alpha.txt") ? "alpha.txt" : "none"],
    };
  });

describe("the openai SDK", () => {
  it("lists the configured model, the agent and the agent with visible tool calls", async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual([MODEL, `${MODEL}+tools`, `${MODEL}+tools+details`]);
  });

  it("non-stream: one completion with the answer, an id naming the turn, and usage", async () => {
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Hello there" }],
    });
    expect(res.choices[0]?.message.content).toBe("echo: Hello there");
    expect(res.choices[0]?.finish_reason).toBe("stop");
    expect(res.object).toBe("chat.completion");
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("stream: role first, content deltas, finish_reason, and the usage chunk with no choices", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "one two three" }],
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("echo: one two three");
    expect(chunks.filter((c) => c.choices[0]?.finish_reason === "stop")).toHaveLength(1);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
    // Without include_usage there is no usage chunk.
    const plain = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: "user", content: "x" }],
    });
    const seen = [];
    for await (const c of plain) seen.push(c);
    expect(seen.every((c) => c.choices.length === 1 && c.usage == null)).toBe(true);
  });

  it("stateless by default: the client's messages are the conversation, and nothing is remembered", async () => {
    const before = upstream.requests.length;
    await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: "system", content: "Speak like a pirate." },
        { role: "user", content: "my name is Ada" },
        { role: "assistant", content: "Ahoy Ada" },
        { role: "user", content: "who am I?" },
      ],
    });
    const sent = upstream.requests[before]?.body.messages.map((m) => `${m.role}: ${String(m.content)}`);
    expect(sent?.slice(1)).toEqual([
      "system: Speak like a pirate.",
      "user: my name is Ada",
      "assistant: Ahoy Ada",
      "user: who am I?",
    ]);
    // The plain model is the plain chain: no tools offered to the upstream even though USE_MCP_IN_CHAT is on.
    expect(upstream.requests[before]?.body.tools).toBeUndefined();
    const next = upstream.requests.length;
    await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "again" }] });
    expect(upstream.requests[next]?.body.messages.map((m) => m.role)).toEqual(["system", "user"]);
  });

  it("X-Session-Id opts into server memory: the second request sends only its new message", async () => {
    const headers = { "x-session-id": `sess-${Date.now()}` };
    await client.chat.completions.create(
      { model: MODEL, messages: [{ role: "user", content: "remember 42" }] },
      { headers },
    );
    const before = upstream.requests.length;
    await client.chat.completions.create(
      { model: MODEL, messages: [{ role: "user", content: "what number?" }] },
      { headers },
    );
    const sent = upstream.requests[before]?.body.messages.map((m) => `${m.role}: ${String(m.content)}`);
    expect(sent?.slice(1)).toEqual(["user: remember 42", "assistant: echo: remember 42", "user: what number?"]);
  });

  it("passes temperature, max_tokens and stop to the provider", async () => {
    const before = upstream.requests.length;
    await client.chat.completions.create({
      model: "other-model",
      temperature: 1.3,
      max_completion_tokens: 77,
      stop: ["END"],
      messages: [{ role: "user", content: "x" }],
    });
    const body = upstream.requests[before]?.body;
    expect(body?.model).toBe("other-model");
    expect(body?.temperature).toBe(1.3);
    expect(body?.max_tokens ?? body?.max_completion_tokens).toBe(77);
    expect(body?.stop).toEqual(["END"]);
  });

  it("the agent model calls a real MCP tool; its activity is hidden, or shown as <details> blocks with +details", async () => {
    toolScript();
    const hidden = await client.chat.completions.create({
      model: `${MODEL}+tools`,
      messages: [{ role: "user", content: "list the files" }],
    });
    expect(hidden.choices[0]?.message.content).toBe("The files: alpha.txt");
    toolScript();
    const stream = await client.chat.completions.create({
      model: `${MODEL}+tools+details`,
      stream: true,
      messages: [{ role: "user", content: "list the files" }],
    });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    expect(text).toMatch(
      /^<details type="tool_calls" done="true" id="call_\d+" name="files__list_dir" arguments="\{&quot;path&quot;:&quot;.&quot;\}" result="[^"]*alpha\.txt[^"]*">\n<summary>Tool Executed<\/summary>\n<\/details>\n/,
    );
    expect(text.endsWith("The files: alpha.txt")).toBe(true);
  });

  it("the seed's agent SSE is byte-for-byte as before: tool events carry only the tool name", async () => {
    toolScript();
    const res = await fetch(`${gw.url}/v1/agent/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: "list the files", session_id: "seed-bytes" }),
    });
    const text = await res.text();
    expect(text).toMatch(
      /^id: \d+-\d+\nevent: tool_start\ndata: files__list_dir\n\nid: \d+-\d+\nevent: tool_end\ndata: files__list_dir\n\n/,
    );
    expect(text).not.toMatch(/call_|"path"|beta\.md/);
  });

  it("a `break` out of the stream cancels the turn: the upstream request is aborted", async () => {
    upstream.script(() => ({ kind: "text", chunks: Array.from({ length: 200 }, (_, i) => `w${i} `), delayMs: 30 }));
    const aborted = upstream.abortedStreams;
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: "user", content: "talk a lot" }],
    });
    let n = 0;
    for await (const c of stream) {
      if ((c.choices[0]?.delta.content ?? "") !== "") n += 1;
      if (n === 3) break;
    }
    await expect.poll(() => upstream.abortedStreams, { timeout: 3_000 }).toBe(aborted + 1);
  });

  it("errors come in OpenAI's shape with the right status and param", async () => {
    const refused = async (body: Record<string, unknown>) => {
      const err = await client.chat.completions.create(body as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OpenAI.APIError);
      return err as InstanceType<typeof OpenAI.APIError>;
    };
    const n = await refused({ model: MODEL, n: 2, messages: [{ role: "user", content: "x" }] });
    expect([n.status, n.type, n.param]).toEqual([400, "invalid_request_error", "n"]);
    const tools = await refused({
      model: MODEL,
      tools: [{ type: "function", function: { name: "f" } }],
      messages: [{ role: "user", content: "x" }],
    });
    expect([tools.status, tools.param]).toEqual([400, "tools"]);
    const format = await refused({
      model: MODEL,
      response_format: { type: "json_schema", json_schema: { name: "x" } },
      messages: [{ role: "user", content: "x" }],
    });
    expect([format.status, format.param]).toEqual([400, "response_format"]);
    const noMessages = await refused({ model: MODEL, messages: [] });
    expect([noMessages.status, noMessages.param]).toEqual([400, "messages"]);
    const lastAssistant = await refused({ model: MODEL, messages: [{ role: "assistant", content: "x" }] });
    expect([lastAssistant.status, lastAssistant.param]).toEqual([400, "messages.0.role"]);
    const image = await refused({
      model: MODEL,
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:," } }] }],
    });
    expect([image.status, image.param]).toEqual([400, "messages.0.content.0.type"]);
    // Ignored without surprise: top_p, seed, user, presence_penalty.
    const ok = await client.chat.completions.create({
      model: MODEL,
      top_p: 0.5,
      seed: 1,
      user: "u1",
      presence_penalty: 0.1,
      messages: [{ role: "user", content: "fine" }],
    });
    expect(ok.choices[0]?.message.content).toBe("echo: fine");

    upstream.script(() => ({
      kind: "http_error",
      status: 500,
      body: { error: { message: "boom at /srv/secret key sk-live" } },
    }));
    const upstreamDown = await refused({ model: MODEL, messages: [{ role: "user", content: "x" }] });
    expect([upstreamDown.status, upstreamDown.type]).toEqual([502, "api_error"]);
    expect(upstreamDown.message).not.toMatch(/\/srv|sk-live|127\.0\.0\.1/);
  });

  it("hostile input: wrong content type, huge body, broken JSON, bad session id — each a 4xx in OpenAI's shape", async () => {
    const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
      fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers, body });
    const shape = async (res: Response) => ({
      status: res.status,
      body: (await res.json()) as { error: { type: string; param: string | null; code: string | null } },
    });
    const text = await shape(await post("{}", { "content-type": "text/plain" }));
    expect([text.status, text.body.error.type]).toEqual([415, "invalid_request_error"]);
    const big = await shape(
      await post(JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "x".repeat(70_000) }] })),
    );
    expect(big.status).toBe(413);
    const broken = await shape(await post('{"model":'));
    expect([broken.status, broken.body.error.code]).toEqual([400, "invalid_json"]);
    const missing = await shape(await post(JSON.stringify({ messages: [{ role: "user", content: "x" }] })));
    expect([missing.status, missing.body.error.param]).toEqual([400, "model"]);
    const session = await shape(
      await post(JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "x" }] }), {
        "content-type": "application/json",
        "x-session-id": "../../etc",
      }),
    );
    expect([session.status, session.body.error.param]).toEqual([400, "X-Session-Id"]);
    const badRole = await shape(
      await post(JSON.stringify({ model: MODEL, messages: [{ role: "wizard", content: "x" }] })),
    );
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.param).toMatch(/^messages\.0/);
  });
});

describe("@ai-sdk/openai-compatible with streamText", () => {
  it("streams the gateway's answer as a second OpenAI client", async () => {
    const provider = createOpenAICompatible({ name: "gateway", baseURL: `${gw.url}/v1`, includeUsage: true });
    const result = streamText({ model: provider(MODEL), prompt: "from the ai sdk", maxRetries: 0 });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe("echo: from the ai sdk");
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
    expect(await result.finishReason).toBe("stop");
  });
});

describe("POST /v1/turns/{turn_id}/cancel", () => {
  it("cancels a running seed turn (202, twice), which ends with error then done; bad ids are 400, unknown 404", async () => {
    upstream.script(() => ({ kind: "text", chunks: Array.from({ length: 200 }, (_, i) => `c${i} `), delayMs: 30 }));
    const res = await fetch(`${gw.url}/v1/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: "cancel-me", input: "go" }),
    });
    const turnId = res.headers.get("x-turn-id") ?? "";
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("event: token")) text += new TextDecoder().decode((await reader.read()).value);
    const cancel = () => fetch(`${gw.url}/v1/turns/${turnId}/cancel`, { method: "POST" });
    expect((await cancel()).status).toBe(202);
    expect((await cancel()).status).toBe(202);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toMatch(/event: error\ndata: the turn was cancelled\n\nid: \S+\nevent: done\ndata: cancel-me\n\n$/);
    expect((await fetch(`${gw.url}/v1/turns/bad!id/cancel`, { method: "POST" })).status).toBe(400);
    expect((await fetch(`${gw.url}/v1/turns/unknownturn0000000000/cancel`, { method: "POST" })).status).toBe(404);
  });
});
