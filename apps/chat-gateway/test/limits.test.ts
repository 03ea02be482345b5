import { startScriptedOpenAI, type ScriptedOpenAI } from "@acb/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { gatewayFromEnv, json, sseEvents, upstreamModel, type InProcessGateway } from "./harness.js";
import { KEY_ACME, KEY_GLOBEX, TWO_TENANTS } from "./tenants.js";

// Issue 9, parts 3 and 5: each finding measured against the gateway, with the limits that fix it.
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let upstream: ScriptedOpenAI;
beforeAll(async () => {
  // "slow:<ms>" answers three words <ms> apart; anything else at once.
  upstream = await startScriptedOpenAI({
    script: (req) => {
      const last = req.body.messages.at(-1);
      const input = typeof last?.content === "string" ? last.content : "";
      const slow = /^slow:(\d+)/.exec(input);
      return { kind: "text", chunks: ["one ", "two ", "three"], ...(slow ? { delayMs: Number(slow[1]) } : {}) };
    },
  });
});
afterAll(async () => upstream.close());
const inputsSent = (prefix: string) =>
  upstream.requests.filter((r) => {
    const c = r.body.messages.at(-1)?.content;
    return typeof c === "string" && c.startsWith(prefix);
  }).length;

describe("RATE_LIMIT_TURNS_PER_MINUTE", () => {
  let gw: InProcessGateway;
  beforeAll(() => {
    gw = gatewayFromEnv({ ...TWO_TENANTS, RATE_LIMIT_TURNS_PER_MINUTE: "2" });
  });
  afterAll(async () => gw.close());

  it("answers 429 rate_limited with Retry-After and RateLimit headers past the quota; another tenant is unaffected", async () => {
    const started = Date.now();
    for (let i = 0; i < 2; i++)
      expect((await gw.app.request("/v1/chat", json({ session_id: "r", input: "hi" }, as(KEY_ACME)))).status).toBe(200);
    const res = await gw.app.request("/v1/chat/stream", json({ session_id: "r", input: "hi" }, as(KEY_ACME)));
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({
      error: { code: "rate_limited", message: "rate limit reached: turns per minute" },
    });
    const retry = Number(res.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(25);
    expect(retry).toBeLessThanOrEqual(30);
    expect(res.headers.get("ratelimit-policy")).toBe('"turns";q=2;w=60');
    // t: seconds until the whole quota is back, 60 from the first turn (fewer by the time this test took so far)
    const t = Number(/^"turns";r=0;t=(\d+)$/.exec(res.headers.get("ratelimit") ?? "")?.[1]);
    expect(t).toBeLessThanOrEqual(60);
    expect(t).toBeGreaterThanOrEqual(59 - Math.ceil((Date.now() - started) / 1000));
    expect((await gw.app.request("/v1/chat", json({ session_id: "r", input: "hi" }, as(KEY_GLOBEX)))).status).toBe(200);
  });

  it("the WebSocket gets an error event with the same code and stays open", async () => {
    const base = await gw.listen();
    const ws = new WebSocket(`ws://${base}/ws/chat`, { headers: as(KEY_ACME) });
    const frames: Array<{ event: string; data?: string; code?: string }> = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d)) as { event: string }));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ session_id: "w", input: "hi" }));
    await expect.poll(() => frames.find((f) => f.event === "error")).toMatchObject({ code: "rate_limited" });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});

describe("MAX_CONCURRENT_TURNS_PER_TENANT and per-key limits", () => {
  let gw: InProcessGateway;
  beforeAll(() => {
    gw = gatewayFromEnv({ ...TWO_TENANTS, ...upstreamModel(upstream), MAX_CONCURRENT_TURNS_PER_TENANT: "1" });
  });
  afterAll(async () => gw.close());

  it("a second turn while one runs is 429; once the first turn's done is appended the slot is free", async () => {
    const first = await gw.app.request("/v1/chat/stream", json({ session_id: "c1", input: "slow:400" }, as(KEY_ACME)));
    expect(first.status).toBe(200);
    const second = await gw.app.request("/v1/chat/stream", json({ session_id: "c2", input: "hi" }, as(KEY_ACME)));
    expect(second.status).toBe(429);
    expect(second.headers.get("ratelimit-policy")).toBe('"concurrent";q=1;qu="concurrent-requests"');
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(
      (await gw.app.request("/v1/chat/stream", json({ session_id: "c3", input: "hi" }, as(KEY_GLOBEX)))).status,
    ).toBe(200);
    expect((await sseEvents(first)).at(-1)?.event).toBe("done");
    await expect
      .poll(
        async () => (await gw.app.request("/v1/chat", json({ session_id: "c4", input: "hi" }, as(KEY_ACME)))).status,
      )
      .toBe(200);
  });
});

describe("MAX_QUEUED_TURNS (embedded: the in-process queue's backlog)", () => {
  let gw: InProcessGateway;
  beforeAll(() => {
    gw = gatewayFromEnv({ ...upstreamModel(upstream), EMBEDDED_CONCURRENCY: "1", MAX_QUEUED_TURNS: "2" });
  });
  afterAll(async () => gw.close());

  it("answers 503 queue_full with Retry-After instead of queuing without end", async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        gw.app.request("/v1/chat/stream", json({ session_id: `q${i}`, input: "slow:300" })),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    const refused = answers.filter((r) => r.status === 503);
    expect(refused).toHaveLength(5);
    expect(await refused[0]?.json()).toMatchObject({ error: { code: "queue_full" } });
    expect(refused[0]?.headers.get("retry-after")).toBe("5");
    for (const r of answers) if (r.status === 200) expect((await sseEvents(r)).at(-1)?.event).toBe("done");
  });
});

describe("ALLOWED_MODELS", () => {
  it("defaults to CHAT_MODEL_ID alone: another model is a 400 naming the field model", async () => {
    const gw = gatewayFromEnv({ CHAT_MODEL_ID: "gpt-4o-mini" });
    try {
      const res = await gw.app.request("/v1/chat", json({ session_id: "m", input: "hi", model: "o1-pro-expensive" }));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; details: Array<{ field: string }> } };
      expect(body.error.code).toBe("bad_request");
      expect(body.error.details[0]?.field).toBe("model");
      expect(
        (await gw.app.request("/v1/chat", json({ session_id: "m", input: "hi", model: "gpt-4o-mini" }))).status,
      ).toBe(200);
      expect(
        (await gw.app.request("/v1/agent/chat/stream", json({ input: "hi", model: "o1-pro-expensive" }))).status,
      ).toBe(400);
    } finally {
      await gw.close();
    }
  });

  it("a list, or * for any model", async () => {
    const list = gatewayFromEnv({ ALLOWED_MODELS: "a-model, b-model" });
    const any = gatewayFromEnv({ ALLOWED_MODELS: "*" });
    try {
      expect(
        (await list.app.request("/v1/chat", json({ session_id: "m", input: "hi", model: "b-model" }))).status,
      ).toBe(200);
      expect(
        (await list.app.request("/v1/chat", json({ session_id: "m", input: "hi", model: "gpt-4o-mini" }))).status,
      ).toBe(400);
      expect(
        (await any.app.request("/v1/chat", json({ session_id: "m", input: "hi", model: "whatever" }))).status,
      ).toBe(200);
    } finally {
      await Promise.all([list.close(), any.close()]);
    }
  });
});

describe("GET /v1/usage", () => {
  let gw: InProcessGateway;
  beforeAll(() => {
    gw = gatewayFromEnv({ ...TWO_TENANTS, ...upstreamModel(upstream) });
  });
  afterAll(async () => gw.close());
  type Usage = {
    tenant: string;
    days: Array<{ input_tokens: number; output_tokens: number; turns: number; counted_turns: number }>;
  };

  it("shows the caller's own tenant only; no parameter reaches another tenant", async () => {
    for (let i = 0; i < 3; i++)
      expect(
        (await gw.app.request("/v1/chat", json({ session_id: "u", input: "count these words please" }, as(KEY_ACME))))
          .status,
      ).toBe(200);
    const acme = (await (await gw.app.request("/v1/usage", { headers: as(KEY_ACME) })).json()) as Usage;
    expect(acme.tenant).toBe("acme");
    expect(acme.days[0]).toMatchObject({ turns: 3, counted_turns: 3 });
    expect(acme.days[0]?.input_tokens).toBeGreaterThan(0);
    expect(acme.days[0]?.output_tokens).toBeGreaterThan(0);
    const globex = (await (await gw.app.request("/v1/usage", { headers: as(KEY_GLOBEX) })).json()) as Usage;
    expect(globex).toMatchObject({ tenant: "globex", days: [] });
    const hostile = await gw.app.request("/v1/usage?tenant=acme", { headers: as(KEY_GLOBEX) });
    expect(hostile.status).toBe(400);
    expect(((await hostile.json()) as { error: { details: Array<{ field: string }> } }).error.details[0]?.field).toBe(
      "tenant",
    );
    expect((await gw.app.request("/v1/usage?days=9999", { headers: as(KEY_ACME) })).status).toBe(400);
    expect((await gw.app.request("/v1/usage")).status).toBe(401);
  });
});

describe("WebSocket backlog", () => {
  let gw: InProcessGateway;
  let base: string;
  beforeAll(async () => {
    gw = gatewayFromEnv({ ...upstreamModel(upstream), WS_MAX_BACKLOG: "3" });
    base = await gw.listen();
  });
  afterAll(async () => gw.close());
  const open = async () => {
    const ws = new WebSocket(`ws://${base}/ws/chat`);
    const frames: Array<{ event: string; data?: string; code?: string }> = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d)) as { event: string }));
    await new Promise((r) => ws.once("open", r));
    return { ws, frames };
  };

  it("one running turn plus WS_MAX_BACKLOG waiting; beyond that backlog_full, and the socket stays usable", async () => {
    const { ws, frames } = await open();
    for (let i = 0; i < 10; i++) ws.send(JSON.stringify({ session_id: "b", input: `slow:200 burst ${i}` }));
    await expect.poll(() => frames.filter((f) => f.event === "done").length, { timeout: 10_000 }).toBe(4);
    expect(frames.filter((f) => f.code === "backlog_full")).toHaveLength(6);
    ws.send(JSON.stringify({ session_id: "b", input: "after" }));
    await expect.poll(() => frames.filter((f) => f.event === "done").length).toBe(5);
    ws.close();
  });

  it("a closed socket drops what it queued: nothing queued after close reaches the model", async () => {
    const { ws } = await open();
    for (let i = 0; i < 4; i++) ws.send(JSON.stringify({ session_id: "d", input: `slow:500 dropped ${i}` }));
    await expect.poll(() => inputsSent("slow:500 dropped")).toBe(1);
    ws.close();
    await sleep(1_000);
    expect(inputsSent("slow:500 dropped")).toBe(1);
  });
});
