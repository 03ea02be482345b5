import { readSse, streamSse, tokenText } from "@acb/testkit";
import { beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { json, NO_TOOL_SERVERS, transcript, useScriptedGateway } from "./harness.js";

// USE_MCP_IN_CHAT=false: these are the seed's plain-chain endpoints (the agent path is tested in infra/e2e), so no
// tool servers either.
const stack = useScriptedGateway({
  USE_MCP_IN_CHAT: "false",
  ...NO_TOOL_SERVERS,
  ALLOWED_MODELS: "*",
  SSE_HEARTBEAT_MS: "200",
  TURN_TIMEOUT_MS: "4000",
  MODEL_TIMEOUT_MS: "3000",
});
beforeEach(() => {
  stack.upstream.script((req) => {
    const last = req.body.messages.at(-1);
    const text = `echo: ${String(last?.content ?? "")}`;
    return { kind: "text", chunks: text.split(/(?<= )/), usage: true };
  });
});

const sid = () => `s-${Math.random().toString(36).slice(2, 10)}`;

describe("POST /v1/chat (real ChatOpenAI against the scripted upstream)", () => {
  it("answers {text} and names the turn in X-Turn-Id", async () => {
    const res = await fetch(`${stack.gw.url}/v1/chat`, json({ session_id: sid(), input: "Hello" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-turn-id")).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(await res.json()).toEqual({ text: "echo: Hello" });
  });

  it("remembers the session: the second turn sends the first to the model, and other sessions stay apart", async () => {
    const a = sid();
    const b = sid();
    await fetch(`${stack.gw.url}/v1/chat`, json({ session_id: a, input: "my name is Ada" }));
    await fetch(`${stack.gw.url}/v1/chat`, json({ session_id: b, input: "I am Bob" }));
    const before = stack.upstream.requests.length;
    await fetch(`${stack.gw.url}/v1/chat`, json({ session_id: a, input: "who am I?" }));
    const sent = transcript(stack.upstream.requests[before]?.body.messages ?? []);
    expect(sent[0]).toMatch(/^system: /);
    expect(sent.slice(1)).toEqual(["user: my name is Ada", "assistant: echo: my name is Ada", "user: who am I?"]);
    expect(sent.join("\n")).not.toContain("Bob");
  });

  it("passes per-request model and temperature to the upstream", async () => {
    const before = stack.upstream.requests.length;
    await fetch(
      `${stack.gw.url}/v1/chat`,
      json({ session_id: sid(), input: "x", model: "my-local-model", temperature: 1.5 }),
    );
    expect(stack.upstream.requests[before]?.body.model).toBe("my-local-model");
    expect(stack.upstream.requests[before]?.body.temperature).toBe(1.5);
  });

  it("an upstream failure is a 502 JSON error that leaks no URL, key or stack", async () => {
    stack.upstream.script(() => ({
      kind: "http_error",
      status: 500,
      body: { error: { message: "boom at /srv/secret" } },
    }));
    const res = await fetch(`${stack.gw.url}/v1/chat`, json({ session_id: sid(), input: "x" }));
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_error");
    const text = JSON.stringify(body);
    for (const leak of ["127.0.0.1", "sk-test", "/srv/", "    at "]) expect(text).not.toContain(leak);
  });

  it("a hanging upstream is bounded by the turn timeout: 504", async () => {
    stack.upstream.script(() => ({ kind: "hang" }));
    const started = Date.now();
    const res = await fetch(`${stack.gw.url}/v1/chat`, json({ session_id: sid(), input: "x" }));
    expect([502, 504]).toContain(res.status);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});

describe("POST /v1/chat/stream and stream:true", () => {
  it("streams token events in order, an id on every event, then done with the session id", async () => {
    const s = sid();
    const res = await readSse(
      `${stack.gw.url}/v1/chat/stream`,
      json({ session_id: s, input: "one two three" }, { accept: "text/event-stream" }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("x-turn-id")).toBeTruthy();
    const names = res.messages.map((m) => m.event);
    expect(names.at(-1)).toBe("done");
    expect(names.slice(0, -1).every((n) => n === "token")).toBe(true);
    expect(tokenText(res.messages)).toBe("echo: one two three");
    expect(res.messages.at(-1)?.data).toBe(s);
    expect(res.messages.every((m) => typeof m.id === "string" && m.id.length > 0)).toBe(true);
    expect(new Set(res.messages.map((m) => m.id)).size).toBe(res.messages.length);
  });

  it("a chunk containing newlines arrives exactly as sent", async () => {
    const chunks = ["line one\nline two\n", "\n", "tail\r\nend", " "];
    stack.upstream.script(() => ({ kind: "text", chunks }));
    const res = await readSse(`${stack.gw.url}/v1/chat/stream`, json({ session_id: sid(), input: "x" }));
    const text = tokenText(res.messages);
    // \r\n is an SSE line end: it is normalised to \n, the one ambiguity SSE itself has.
    expect(text).toBe("line one\nline two\n\ntail\nend ");
  });

  it("POST /v1/chat with stream:true answers like /v1/chat/stream", async () => {
    const s = sid();
    const res = await readSse(`${stack.gw.url}/v1/chat`, json({ session_id: s, input: "streamed", stream: true }));
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(tokenText(res.messages)).toBe("echo: streamed");
    expect(res.messages.at(-1)).toMatchObject({ event: "done", data: s });
  });

  it("an upstream failure mid-stream ends with error then done", async () => {
    stack.upstream.script(() => ({ kind: "drop_mid_stream", chunks: ["partial "] }));
    const s = sid();
    const res = await readSse(`${stack.gw.url}/v1/chat/stream`, json({ session_id: s, input: "x" }));
    const names = res.messages.map((m) => m.event);
    expect(names.slice(-2)).toEqual(["error", "done"]);
    expect(res.messages.at(-1)?.data).toBe(s);
    expect(res.raw).not.toContain("127.0.0.1");
  });

  it("idle streams get ': ping' heartbeats", async () => {
    stack.upstream.script(() => ({ kind: "text", chunks: ["slow ", "answer"], delayMs: 700 }));
    const res = await readSse(`${stack.gw.url}/v1/chat/stream`, json({ session_id: sid(), input: "x" }));
    expect(res.comments).toBeGreaterThanOrEqual(2);
    expect(res.raw).toContain(": ping\n\n");
  });

  it("a client that disconnects mid-stream does not lose the turn: it is committed to history", async () => {
    const s = sid();
    stack.upstream.script(() => ({ kind: "text", chunks: ["alpha ", "beta ", "gamma ", "delta"], delayMs: 150 }));
    const ac = new AbortController();
    const res = await fetch(`${stack.gw.url}/v1/chat/stream`, {
      ...json({ session_id: s, input: "first" }),
      signal: ac.signal,
    });
    for await (const m of streamSse(res)) {
      if (m.event === "token") break;
    }
    ac.abort();
    await new Promise((r) => setTimeout(r, 1_000));
    stack.upstream.script((req) => ({ kind: "text", chunks: [`seen ${req.body.messages.length}`] }));
    const before = stack.upstream.requests.length;
    await fetch(`${stack.gw.url}/v1/chat`, json({ session_id: s, input: "second" }));
    const sent = transcript(stack.upstream.requests[before]?.body.messages ?? []);
    expect(sent.slice(1)).toEqual(["user: first", "assistant: alpha beta gamma delta", "user: second"]);
  });
});

describe("GET /v1/turns/{id}/events", () => {
  it("resumes after Last-Event-ID with exactly the missing events", async () => {
    const s = sid();
    const first = await readSse(`${stack.gw.url}/v1/chat/stream`, json({ session_id: s, input: "a b c d e f" }));
    const turnId = first.headers.get("x-turn-id") ?? "";
    const cut = 3;
    const resumed = await readSse(`${stack.gw.url}/v1/turns/${turnId}/events`, {
      headers: { "last-event-id": first.messages[cut - 1]?.id ?? "" },
    });
    expect(resumed.messages).toEqual(first.messages.slice(cut));
    const replay = await readSse(`${stack.gw.url}/v1/turns/${turnId}/events`);
    expect(replay.messages).toEqual(first.messages);
  });

  it("an unknown turn is a 404, a malformed id or Last-Event-ID a 400", async () => {
    expect((await fetch(`${stack.gw.url}/v1/turns/AAAAAAAAAAAAAAAAAAAA/events`)).status).toBe(404);
    expect((await fetch(`${stack.gw.url}/v1/turns/..%2F..%2Fetc/events`)).status).toBe(400);
    const r = await fetch(`${stack.gw.url}/v1/turns/AAAAAAAAAAAAAAAAAAAA/events`, {
      headers: { "last-event-id": "drop table" },
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { details: Array<{ field: string }> } }).error.details[0]?.field).toBe(
      "Last-Event-ID",
    );
  });
});

describe("WS /ws/chat (real ws client)", () => {
  function open(): Promise<{
    ws: WebSocket;
    frames: Array<{ event: string; data?: string }>;
    next: (event: string) => Promise<void>;
  }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${stack.gw.url.replace("http", "ws")}/ws/chat`);
      const frames: Array<{ event: string; data?: string }> = [];
      const waiters: Array<{ event: string; resolve: () => void; from: number }> = [];
      ws.on("message", (raw) => {
        frames.push(JSON.parse(String(raw)) as { event: string; data?: string });
        for (const w of [...waiters])
          if (frames.slice(w.from).some((f) => f.event === w.event)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
      });
      ws.once("open", () =>
        resolve({
          ws,
          frames,
          next: (event) => new Promise<void>((res) => waiters.push({ event, resolve: res, from: frames.length })),
        }),
      );
      ws.once("error", reject);
    });
  }

  it("streams tokens then done per message, and remembers the session across messages", async () => {
    const { ws, frames, next } = await open();
    const s = sid();
    let done = next("done");
    ws.send(JSON.stringify({ session_id: s, input: "hello ws" }));
    await done;
    expect(tokenText(frames)).toBe("echo: hello ws");
    expect(frames.at(-1)).toMatchObject({ event: "done", data: s });
    const before = stack.upstream.requests.length;
    done = next("done");
    ws.send(JSON.stringify({ session_id: s, input: "again" }));
    await done;
    expect(transcript(stack.upstream.requests[before]?.body.messages ?? []).slice(1)).toEqual([
      "user: hello ws",
      "assistant: echo: hello ws",
      "user: again",
    ]);
    ws.close();
  });

  it("a bad message gets an error frame and the socket stays usable", async () => {
    const { ws, frames, next } = await open();
    let err = next("error");
    ws.send("{not json");
    await err;
    err = next("error");
    ws.send(JSON.stringify({ session_id: "bad id!", input: "" }));
    await err;
    expect(frames.at(-1)?.data).toMatch(/session_id/);
    const done = next("done");
    ws.send(JSON.stringify({ session_id: sid(), input: "still here" }));
    await done;
    expect(tokenText(frames)).toBe("echo: still here");
    ws.close();
  });
});

describe("health", () => {
  it("/healthz, /readiness and /readyz answer", async () => {
    expect((await fetch(`${stack.gw.url}/healthz`)).status).toBe(200);
    for (const path of ["/readiness", "/readyz"]) {
      const res = await fetch(`${stack.gw.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "ready", mode: "embedded", checks: { history: { ok: true } } });
    }
  });
});
