import { afterEach, describe, expect, it } from "vitest";
import { echoScript, startScriptedOpenAI, type ScriptedOpenAI } from "./scripted-openai.js";

interface ChunkJson {
  object: string;
  choices: Array<{
    index: number;
    finish_reason: string | null;
    delta: {
      role?: string;
      content?: string | null;
      tool_calls?: Array<{
        index: number;
        id?: string;
        type?: string;
        function?: { name?: string; arguments?: string };
      }>;
    };
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** Reads an SSE body strictly: every event is `data: ...` terminated by a blank line. */
async function readDataFrames(res: Response): Promise<string[]> {
  const text = await res.text();
  expect(text.endsWith("\n\n")).toBe(true);
  const frames = text.slice(0, -2).split("\n\n");
  return frames.map((f) => {
    expect(f.startsWith("data: ")).toBe(true);
    expect(f.includes("\n")).toBe(false);
    return f.slice("data: ".length);
  });
}

let server: ScriptedOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const post = (url: string, body: unknown): Promise<Response> =>
  fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("scripted OpenAI server", () => {
  it("streams text as chat.completion.chunk SSE frames with a role delta, content deltas, stop, usage and [DONE]", async () => {
    server = await startScriptedOpenAI();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const res = await post(server.url, {
      model: "m-1",
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: "system", content: "be terse" },
        { role: "user", content: "hello there world" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const frames = await readDataFrames(res);
    expect(frames.at(-1)).toBe("[DONE]");
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f) as ChunkJson);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const contents = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).filter((s) => s !== "");
    expect(contents).toEqual(["echo: ", "hello ", "there ", "world"]);
    const finals = chunks.filter((c) => c.choices[0]?.finish_reason !== null && c.choices.length > 0);
    expect(finals.map((c) => c.choices[0]?.finish_reason)).toEqual(["stop"]);
    const usage = chunks.at(-1);
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage?.total_tokens).toBe(
      (usage?.usage?.prompt_tokens ?? 0) + (usage?.usage?.completion_tokens ?? 0),
    );
    expect(usage?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body.model).toBe("m-1");
    expect(server.requests[0]?.headers.authorization).toBe("Bearer sk-test");
  });

  it("omits the usage chunk unless asked for", async () => {
    server = await startScriptedOpenAI();
    const res = await post(server.url, { model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
    const frames = await readDataFrames(res);
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f) as ChunkJson);
    expect(chunks.some((c) => c.usage !== undefined)).toBe(false);
    server.script(() => ({ kind: "text", chunks: ["a"], usage: true }));
    const res2 = await post(server.url, { model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
    const chunks2 = (await readDataFrames(res2)).slice(0, -1).map((f) => JSON.parse(f) as ChunkJson);
    expect(chunks2.at(-1)?.usage).toBeDefined();
  });

  it("streams tool calls as index/id/name deltas with argument fragments that reassemble", async () => {
    server = await startScriptedOpenAI({
      script: () => ({
        kind: "tool_calls",
        calls: [
          { id: "call_a", name: "list_dir", arguments: JSON.stringify({ path: "docs", pattern: "*.md" }) },
          { name: "read_text", arguments: JSON.stringify({ path: "README.md" }) },
        ],
      }),
    });
    const res = await post(server.url, {
      model: "m",
      stream: true,
      messages: [{ role: "user", content: "files?" }],
      tools: [{ type: "function", function: { name: "list_dir", parameters: {} } }],
    });
    const frames = await readDataFrames(res);
    expect(frames.at(-1)).toBe("[DONE]");
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f) as ChunkJson);
    const calls: Array<{ id: string; name: string; args: string; fragments: number }> = [];
    for (const c of chunks) {
      for (const tc of c.choices[0]?.delta.tool_calls ?? []) {
        if (tc.id !== undefined) {
          expect(tc.type).toBe("function");
          calls[tc.index] = {
            id: tc.id,
            name: tc.function?.name ?? "",
            args: tc.function?.arguments ?? "",
            fragments: 0,
          };
        } else {
          const call = calls[tc.index];
          expect(call).toBeDefined();
          if (call === undefined) continue;
          call.args += tc.function?.arguments ?? "";
          call.fragments += 1;
        }
      }
    }
    expect(calls.map((c) => c.name)).toEqual(["list_dir", "read_text"]);
    expect(calls[0]?.id).toBe("call_a");
    expect(calls[1]?.id).toMatch(/^call_/);
    expect(JSON.parse(calls[0]?.args ?? "")).toEqual({ path: "docs", pattern: "*.md" });
    expect(JSON.parse(calls[1]?.args ?? "")).toEqual({ path: "README.md" });
    expect(calls.every((c) => c.fragments > 1)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(server.requests[0]?.body.tools).toHaveLength(1);
  });

  it("answers non-streaming requests with a chat.completion (text and tool calls) and usage", async () => {
    server = await startScriptedOpenAI();
    const res = await post(server.url, {
      model: "m",
      temperature: 0.7,
      messages: [{ role: "user", content: "one two" }],
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as {
      object: string;
      choices: Array<{
        message: {
          content: string | null;
          tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
        };
        finish_reason: string;
      }>;
      usage: { total_tokens: number };
    };
    expect(json.object).toBe("chat.completion");
    expect(json.choices[0]?.message.content).toBe("echo: one two");
    expect(json.choices[0]?.finish_reason).toBe("stop");
    expect(json.usage.total_tokens).toBeGreaterThan(0);
    expect(server.requests[0]?.body.temperature).toBe(0.7);

    server.script(() => ({ kind: "tool_calls", calls: [{ name: "read_text", arguments: '{"path":"a.txt"}' }] }));
    const res2 = await post(server.url, { model: "m", messages: [{ role: "user", content: "read a.txt" }] });
    const json2 = (await res2.json()) as typeof json;
    expect(json2.choices[0]?.finish_reason).toBe("tool_calls");
    expect(json2.choices[0]?.message.content).toBeNull();
    expect(json2.choices[0]?.message.tool_calls?.[0]?.function).toEqual({
      name: "read_text",
      arguments: '{"path":"a.txt"}',
    });
  });

  it("rejects bad JSON with 400, serves /v1/models, and replays scripted HTTP errors", async () => {
    server = await startScriptedOpenAI({
      script: (_req, i) => (i === 0 ? { kind: "http_error", status: 503 } : echoScript(_req)),
    });
    const bad = await post(server.url, "{nope");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/JSON/);
    const models = await fetch(`${server.url}/models`);
    expect(((await models.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    const err = await post(server.url, { model: "m", messages: [{ role: "user", content: "x" }] });
    expect(err.status).toBe(503);
    const ok = await post(server.url, { model: "m", messages: [{ role: "user", content: "x" }] });
    expect(ok.status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it("drops the connection mid-stream and hangs when scripted to", async () => {
    server = await startScriptedOpenAI({ script: () => ({ kind: "drop_mid_stream", chunks: ["partial "] }) });
    const res = await post(server.url, { model: "m", stream: true, messages: [{ role: "user", content: "x" }] });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();

    server.script(() => ({ kind: "hang" }));
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), 200);
    const started = Date.now();
    await expect(
      fetch(`${server.url}/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
        signal: ctrl.signal,
      }),
    ).rejects.toThrow();
    clearTimeout(timer);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("waits delayMs between chunks", async () => {
    server = await startScriptedOpenAI({ script: () => ({ kind: "text", chunks: ["a", "b", "c"], delayMs: 60 }) });
    const started = Date.now();
    const res = await post(server.url, { model: "m", stream: true, messages: [{ role: "user", content: "x" }] });
    await res.text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });
});
