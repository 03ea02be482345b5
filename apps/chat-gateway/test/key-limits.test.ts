import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { loadGatewayConfig } from "../src/config.js";
import { echoScript, type ScriptFn } from "@acb/testkit";
import { json, sseEvents, transcript, useScriptedApp } from "./harness.js";

// API_KEYS_FILE `limits.history_max_bytes`: a key's own bound on its sessions' history, over HISTORY_MAX_BYTES.
const SMALL = "small-history-key-0123456789";
const PLAIN = "plain-history-key-0123456789";
const QUEUE_ONE = "queue-one-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "acb-key-limits-"));
const keysFile = join(dir, "keys.json");
writeFileSync(
  keysFile,
  JSON.stringify({
    keys: [
      { tenant: "acme", name: "small", key: SMALL, limits: { history_max_bytes: 4000 } },
      { tenant: "globex", name: "plain", key: PLAIN },
      { tenant: "initech", name: "queue-one", key: QUEUE_ONE, limits: { max_queued_turns: 1 } },
    ],
  }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const as = (key: string) => ({ authorization: `Bearer ${key}` });

const scripted = useScriptedApp({ AUTH_MODE: "api_key", API_KEYS_FILE: keysFile, HISTORY_MAX_BYTES: "65536" });

/** The "role: text" lines the model was sent for the turn whose input was `input`. */
function promptOf(input: string): string[] {
  const request = scripted.upstream.requests.find((r) => r.body.messages.at(-1)?.content === input);
  if (request === undefined) throw new Error(`the model never got ${input}`);
  return transcript(request.body.messages);
}

/** Four ~3 KB turns in one session, then a fifth whose prompt shows what the session kept of them. */
async function fiveTurns(key: string, label: string, door: "chat" | "openai" = "chat"): Promise<string[]> {
  const inputs = [1, 2, 3, 4].map((i) => `${label} turn ${i} ${"x".repeat(1500)}`);
  for (const input of [...inputs, `${label} last`]) {
    const res =
      door === "chat"
        ? await scripted.gw.app.request("/v1/chat", json({ session_id: `${label}-s`, input }, as(key)))
        : await scripted.gw.app.request(
            "/v1/chat/completions",
            json(
              // A client's try at its own bound, top-level and where turn options could be: ignored, never obeyed.
              { model: "gpt-4o-mini", messages: [{ role: "user", content: input }], history_max_bytes: 1 },
              { ...as(key), "x-session-id": `${label}-s` },
            ),
          );
    expect(res.status).toBe(200);
  }
  return promptOf(`${label} last`).filter((line) => / turn \d /.test(line));
}

describe("API_KEYS_FILE limits.history_max_bytes", () => {
  it("a key's session keeps at most its own history_max_bytes; another key's keeps HISTORY_MAX_BYTES", async () => {
    const [small, plain] = await Promise.all([fiveTurns(SMALL, "small"), fiveTurns(PLAIN, "plain")]);
    // ~3.3 KB a stored turn: 4000 bytes hold the newest turn only; 64 KiB hold all four.
    expect(small.map((line) => line.slice(0, 22))).toEqual(["user: small turn 4 xxx", "assistant: echo: small"]);
    expect(small[1]).toContain("small turn 4");
    expect(plain).toHaveLength(8);
    expect(plain[0]).toMatch(/^user: plain turn 1 /);
  });

  it("a request body cannot set the bound: the seed's doors refuse the field, the OpenAI door ignores it", async () => {
    for (const [path, body] of [
      ["/v1/chat", { session_id: "hostile", input: "hi", history_max_bytes: 1 }],
      ["/v1/chat/stream", { session_id: "hostile", input: "hi", history_max_bytes: 1 }],
      ["/v1/agent/chat/stream", { input: "hi", history_max_bytes: 1 }],
    ] as const) {
      const res = await scripted.gw.app.request(path, json(body, as(PLAIN)));
      expect(res.status).toBe(400);
      const error = ((await res.json()) as { error: { details?: Array<{ field: string }> } }).error;
      expect(JSON.stringify(error.details)).toContain("history_max_bytes");
    }
    // The OpenAI door takes unknown fields (as OpenAI does) and keeps the session under HISTORY_MAX_BYTES all the same.
    const kept = await fiveTurns(PLAIN, "hostile-openai", "openai");
    expect(kept).toHaveLength(8);
    expect(kept[0]).toMatch(/^user: hostile-openai turn 1 /);
  });

  it("refuses to start on a history_max_bytes that is not a byte count HISTORY_MAX_BYTES could be", () => {
    for (const history_max_bytes of [0, -1, 1.5, "4096", 512 * 1024 * 1024 + 1]) {
      const entries = [{ tenant: "acme", key: SMALL, limits: { history_max_bytes } }];
      // Both shapes of the file: a bare list, and {keys: [...]}.
      for (const [content, place] of [
        [entries, "0"],
        [{ keys: entries }, "keys.0"],
      ] as const) {
        const file = join(dir, "bad-keys.json");
        writeFileSync(file, JSON.stringify(content));
        const r = loadGatewayConfig({ MODEL_PROVIDER: "offline", AUTH_MODE: "api_key", API_KEYS_FILE: file });
        expect(r.ok, String(history_max_bytes)).toBe(false);
        expect(r.ok ? "" : r.message).toContain(`API_KEYS_FILE ${place}.limits.history_max_bytes `);
        expect(r.ok ? "" : r.message).not.toContain(SMALL);
      }
    }
  });
});

/** "slow:<ms>" answers three words <ms> apart; anything else is echoed. */
const slowScript: ScriptFn = (req) => {
  const last = req.body.messages.at(-1)?.content;
  const slow = /^slow:(\d+)/.exec(typeof last === "string" ? last : "");
  return slow ? { kind: "text", chunks: ["one ", "two ", "three"], delayMs: Number(slow[1]) } : echoScript(req);
};

describe("API_KEYS_FILE limits.max_queued_turns (embedded, one turn at a time)", () => {
  const busy = useScriptedApp(
    { AUTH_MODE: "api_key", API_KEYS_FILE: keysFile, EMBEDDED_CONCURRENCY: "1" },
    { script: slowScript },
  );
  const send = (key: string, session: string, input: string) =>
    busy.gw.app.request("/v1/chat/stream", json({ session_id: session, input }, as(key)));

  it("a key's turns waiting for a runner past its max_queued_turns are 429; another key's are not", async () => {
    // Another key's slow turn holds the one worker: what follows waits.
    const running = await send(PLAIN, "q-plain-1", "slow:500");
    expect(running.status).toBe(200);
    const waiting = await send(QUEUE_ONE, "q-one-1", "hi");
    expect(waiting.status).toBe(200);
    const refused = await send(QUEUE_ONE, "q-one-2", "hi");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      error: { code: "rate_limited", message: "rate limit reached: turns waiting for a runner" },
    });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("ratelimit-policy")).toBe('"queued";q=1');
    // A key without the limit still queues.
    const other = await send(PLAIN, "q-plain-2", "hi");
    expect(other.status).toBe(200);
    for (const r of [running, waiting, other]) expect((await sseEvents(r)).at(-1)?.event).toBe("done");
  });

  it("a turn gives its queued place up when it starts running, not when it ends", async () => {
    const running = await send(QUEUE_ONE, "q-run-1", "slow:500 first");
    expect(running.status).toBe(200);
    // The model has it: the turn started, so it waits no more.
    await expect
      .poll(() => busy.upstream.requests.some((r) => r.body.messages.at(-1)?.content === "slow:500 first"))
      .toBe(true);
    const waiting = await send(QUEUE_ONE, "q-run-2", "behind it");
    expect(waiting.status).toBe(200);
    expect((await send(QUEUE_ONE, "q-run-3", "one too many")).status).toBe(429);
    for (const r of [running, waiting]) expect((await sseEvents(r)).at(-1)?.event).toBe("done");
  });

  it("a turn cancelled while it waits behind its session's running turn gives its queued place up", async () => {
    const running = await send(QUEUE_ONE, "q-cancel", "slow:500 ahead");
    await expect
      .poll(() => busy.upstream.requests.some((r) => r.body.messages.at(-1)?.content === "slow:500 ahead"))
      .toBe(true);
    const behind = await send(QUEUE_ONE, "q-cancel", "behind it");
    expect(behind.status).toBe(200);
    const cancelled = await busy.gw.app.request(`/v1/turns/${behind.headers.get("x-turn-id") ?? ""}/cancel`, {
      method: "POST",
      headers: as(QUEUE_ONE),
    });
    expect(cancelled.status).toBe(202);
    expect((await sseEvents(behind)).map((e) => e.event)).toEqual(["error", "done"]);
    // it will never run: its place is free at once, not at its deadline
    const next = await send(QUEUE_ONE, "q-cancel-2", "next");
    expect(next.status).toBe(200);
    for (const r of [running, next]) expect((await sseEvents(r)).at(-1)?.event).toBe("done");
  });
  it("a WebSocket holds no more of the key's turns waiting than its max_queued_turns (not WS_MAX_BACKLOG, 8)", async () => {
    const ws = new WebSocket(`ws://${await busy.gw.listen()}/ws/chat`, { headers: as(QUEUE_ONE) });
    const frames: Array<{ event: string; code?: string }> = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d)) as { event: string; code?: string }));
    await new Promise((r) => ws.once("open", r));
    // one runs (1.5 s), one may wait behind it on the socket; the other three are refused at once
    for (let i = 0; i < 5; i++) ws.send(JSON.stringify({ session_id: `ws-q${i}`, input: `slow:500 ws ${i}` }));
    await expect.poll(() => frames.filter((f) => f.event === "done").length).toBe(2);
    expect(frames.filter((f) => f.code === "backlog_full")).toHaveLength(3);
    ws.close();
  });
});
