import type { RecordedRequest, ScriptedReply } from "@acb/testkit";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post } from "./scenarios.js";
import { contentText, toolNames } from "./script.js";
import { useBackend, useFileServer } from "./fixtures.js";
import { replicaSet } from "./stack.js";

// Issue 9 (limits) across real processes: 2 gateways and a runner on one real Redis share every limit.
const ACME = "acme-key-0123456789abcdef";
const GLOBEX = "globex-key-0123456789abcdef";
const INITECH = "initech-key-0123456789abcdef";
const BIG = 4 * 1024 * 1024;

const { gateways, start, stop } = replicaSet();

/** "read big<n>" → a read_text tool call of big<n>.txt (4 MiB); after the tool → "read it"; else an echo. */
function script(req: RecordedRequest): ScriptedReply {
  const last = req.body.messages.at(-1);
  if (last?.role === "tool") return { kind: "text", chunks: ["read ", "it"] };
  const input = contentText(last?.content ?? "");
  const read = /^read big(\d)/.exec(input);
  const tool = toolNames(req).find((n) => n.endsWith("read_text"));
  if (read && tool)
    return {
      kind: "tool_calls",
      calls: [{ name: tool, arguments: JSON.stringify({ path: `big${read[1]}.txt`, max_bytes: BIG }) }],
    };
  return { kind: "text", chunks: ["echo: ", input] };
}

const send = (path: string, body: unknown, key: string, gw = 0): Promise<Response> =>
  fetch(`${gateways[gw]?.url ?? ""}${path}`, post(body, { authorization: `Bearer ${key}` }));

const backend = useBackend(script);
const files = useFileServer((root) => {
  for (const n of [1, 2, 3]) writeFileSync(join(root, `big${n}.txt`), `${n}`.repeat(BIG));
});

beforeAll(async () => {
  const common = { ...backend.env, OPENAI_API_KEY: "sk-test", USE_MCP_IN_CHAT: "false" };
  const gw = {
    ...common,
    AUTH_MODE: "api_key",
    API_KEYS: `acme:${ACME},globex:${GLOBEX},initech:${INITECH}`,
    RATE_LIMIT_TURNS_PER_MINUTE: "4",
  };
  await start([{ ...common, MCP_SERVER_URL: files.server.url, MCP_TRANSPORT: "streamable_http" }], gw, 2);
  // A third gateway with its own key prefix: no runner serves its queue, so its turns stay waiting.
  await start([], { ...gw, RATE_LIMIT_TURNS_PER_MINUTE: "", REDIS_KEY_PREFIX: "idle:", MAX_QUEUED_TURNS: "2" }, 1);
}, 120_000);

afterAll(stop);

describe("limits across 2 gateways on Redis", () => {
  it("turns per minute are counted across both gateways: the 5th turn of a tenant is 429 with Retry-After and RateLimit headers", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await send("/v1/chat", { session_id: "rate", input: `turn ${i}` }, ACME, i % 2);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    for (const gw of [0, 1]) {
      const res = await send("/v1/chat/stream", { session_id: "rate", input: "one more" }, ACME, gw);
      expect(res.status).toBe(429);
      expect(await res.json()).toMatchObject({ error: { code: "rate_limited" } });
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(15);
      expect(res.headers.get("ratelimit-policy")).toBe('"turns";q=4;w=60');
      expect(res.headers.get("ratelimit")).toMatch(/^"turns";r=0;t=\d+$/);
    }
    // The other tenant has its own quota.
    expect((await send("/v1/chat", { session_id: "rate", input: "globex" }, GLOBEX, 1)).status).toBe(200);
  });

  it("GET /v1/usage shows the caller's own tenant, the same on either gateway", async () => {
    type Usage = { tenant: string; days: Array<{ turns: number; input_tokens: number }> };
    const read = async (key: string, gw: number) =>
      (await (
        await fetch(`${gateways[gw]?.url ?? ""}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as Usage;
    const [acme0, acme1, globex] = await Promise.all([read(ACME, 0), read(ACME, 1), read(GLOBEX, 0)]);
    expect(acme0.tenant).toBe("acme");
    expect(acme0.days[0]?.turns).toBe(4);
    expect(acme1).toEqual(acme0);
    expect(globex).toMatchObject({ tenant: "globex", days: [{ turns: 1 }] });
  });

  it("MAX_QUEUED_TURNS: past the bound of waiting turns the gateway answers 503 queue_full with Retry-After", async () => {
    const accepted = [];
    for (let i = 0; i < 2; i++) {
      const res = await send("/v1/chat/stream", { session_id: `q${i}`, input: "wait" }, ACME, 2);
      expect(res.status).toBe(200);
      accepted.push(res);
    }
    const refused = await send("/v1/chat/stream", { session_id: "q3", input: "wait" }, GLOBEX, 2);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: "queue_full" } });
    expect(refused.headers.get("retry-after")).toBe("5");
    for (const res of accepted) await res.body?.cancel();
  });

  it("history stays bounded: after three 4 MiB tool results a later 'hi' sends a small request upstream", async () => {
    for (const n of [1, 2, 3]) {
      const res = await send("/v1/agent/chat/stream", { session_id: "big", input: `read big${n}` }, INITECH, n % 2);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/event: tool_end[\s\S]*event: done/);
    }
    // The model saw each whole result in its own turn.
    const toolTurns = backend.upstream.requests.filter((r) => r.body.messages.at(-1)?.role === "tool");
    expect(toolTurns.map((r) => contentText(r.body.messages.at(-1)?.content).length).every((n) => n >= BIG)).toBe(true);
    const res = await send("/v1/agent/chat/stream", { session_id: "big", input: "hi" }, INITECH, 0);
    expect(await res.text()).toContain("event: done");
    const hi = [...backend.upstream.requests]
      .reverse()
      .find((r) => contentText(r.body.messages.at(-1)?.content) === "hi");
    const bytes = Number(hi?.headers["content-length"] ?? JSON.stringify(hi?.body).length);
    process.stdout.write(`upstream request for "hi" after three 4 MiB tool results: ${bytes} bytes\n`);
    expect(bytes).toBeLessThan(64 * 1024);
    // The history still names every file read, with the cut marker.
    expect(JSON.stringify(hi?.body.messages)).toContain("the tool returned");
  });
});
