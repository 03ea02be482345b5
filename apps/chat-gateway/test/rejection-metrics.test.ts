// Issue 11: "metrics on rate-limit and admission rejections". Each refusal the limits can give, caused for real
// against the gateway (in process, embedded pipeline, tiny limits), then counted on an authenticated /metrics scrape.
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { json, NO_TOOL_SERVERS, useScriptedGateway } from "./harness.js";

const TENANTS = ["model", "chars", "conc", "rate", "q1", "q2", "q3", "ws", "ops"] as const;
const keyOf = (tenant: (typeof TENANTS)[number]): string => `${tenant}-key-0123456789abcdef`;
const as = (tenant: (typeof TENANTS)[number]) => ({ authorization: `Bearer ${keyOf(tenant)}` });

// "slow" answers four words 250 ms apart (a turn that holds its slot for about a second); anything else at once.
const stack = useScriptedGateway(
  {
    ...NO_TOOL_SERVERS,
    USE_MCP_IN_CHAT: "false",
    AUTH_MODE: "api_key",
    API_KEYS: TENANTS.map((t) => `${t}:${keyOf(t)}`).join(","),
    RATE_LIMIT_TURNS_PER_MINUTE: "2",
    RATE_LIMIT_INPUT_CHARS_PER_MINUTE: "40",
    MAX_CONCURRENT_TURNS_PER_TENANT: "1",
    // One turn runs at a time and one may wait: a third is refused with queue_full.
    EMBEDDED_CONCURRENCY: "1",
    MAX_QUEUED_TURNS: "1",
    WS_MAX_BACKLOG: "0",
  },
  {
    script: (req) => {
      const last = req.body.messages.at(-1);
      const slow = typeof last?.content === "string" && last.content.startsWith("slow");
      return { kind: "text", chunks: ["one ", "two ", "three ", "four"], ...(slow ? { delayMs: 250 } : {}) };
    },
  },
);

/** `acb_rejections_total` by reason, from an authenticated scrape. */
async function rejections(): Promise<Record<string, number>> {
  const res = await stack.gw.app.request("/metrics", { headers: as("ops") });
  expect(res.status).toBe(200);
  const counts: Record<string, number> = {};
  for (const m of (await res.text()).matchAll(/^acb_rejections_total\{[^}]*reason="([a-z_]+)"[^}]*\} (\d+)$/gm))
    counts[m[1] ?? ""] = Number(m[2]);
  return counts;
}

const chat = (tenant: (typeof TENANTS)[number], body: Record<string, unknown>, path = "/v1/chat/stream") =>
  stack.gw.app.request(
    path,
    json({ session_id: `s-${tenant}-${Math.random().toString(36).slice(2)}`, input: "hi", ...body }, as(tenant)),
  );

const slowRequests = () => stack.upstream.requests.filter((r) => r.body.messages.at(-1)?.content === "slow").length;

describe("acb_rejections_total", () => {
  it("starts with no refusal counted", async () => {
    expect(await rejections()).toEqual({});
  });

  it("a model that is not allowed: 400, reason model_not_allowed", async () => {
    const res = await chat("model", { model: "gpt-4-unlisted" });
    expect(res.status).toBe(400);
    expect((await rejections()).model_not_allowed).toBe(1);
  });

  it("one input longer than the per-minute character budget: 413, reason input_chars", async () => {
    const res = await chat("chars", { input: "x".repeat(41) });
    expect(res.status).toBe(413);
    expect((await rejections()).input_chars).toBe(1);
  });

  it("a second turn while the tenant's one slot is taken: 429, reason concurrency", async () => {
    const first = await chat("conc", { input: "slow" });
    expect(first.status).toBe(200);
    const second = await chat("conc", {});
    expect(second.status).toBe(429);
    expect((await rejections()).concurrency).toBe(1);
    // Read to the end: the turn is done, so the next step's turn does not wait behind it.
    await first.text();
  });

  it("a third turn in a minute: 429, reason rate_limited", async () => {
    for (let i = 0; i < 2; i++) expect((await chat("rate", {}, "/v1/chat")).status).toBe(200);
    const res = await chat("rate", {});
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect((await rejections()).rate_limited).toBe(1);
  });

  it("a turn while one runs and one waits (MAX_QUEUED_TURNS=1): 503, reason queue_full", async () => {
    const before = slowRequests();
    const running = await chat("q1", { input: "slow" });
    expect(running.status).toBe(200);
    // Running, not waiting: the upstream has its request.
    await expect.poll(slowRequests).toBe(before + 1);
    const waiting = await chat("q2", { input: "slow" });
    expect(waiting.status).toBe(200);
    const refused = await chat("q3", {});
    expect(refused.status).toBe(503);
    expect((await rejections()).queue_full).toBe(1);
    await Promise.all([running.text(), waiting.text()]);
  });

  it("a WebSocket message past WS_MAX_BACKLOG: error backlog_full, reason backlog_full; the totals are exact", async () => {
    const ws = new WebSocket(`${stack.gw.url.replace("http", "ws")}/ws/chat`, { headers: as("ws") });
    const frames: Array<{ event: string; code?: string }> = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d)) as { event: string; code?: string }));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ session_id: "w", input: "slow" }));
    ws.send(JSON.stringify({ session_id: "w", input: "hi" }));
    await expect.poll(() => frames.find((f) => f.event === "error")).toMatchObject({ code: "backlog_full" });
    await expect.poll(() => frames.some((f) => f.event === "done"), { timeout: 10_000 }).toBe(true);
    ws.close();
    expect(await rejections()).toEqual({
      model_not_allowed: 1,
      input_chars: 1,
      concurrency: 1,
      rate_limited: 1,
      queue_full: 1,
      backlog_full: 1,
    });
  });
});
