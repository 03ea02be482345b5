/**
 * Turns that survive anything, over real processes: two gateways, two runners, a private redis-server, the MCP file
 * server over HTTP and a scripted upstream that streams slowly and deterministically.
 */
import { readSse, splitWords, startRedis, streamSse, type RecordedRequest, type ScriptedReply } from "@acb/testkit";
import { Redis } from "ioredis";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { collectSse, post, tokensOf } from "./scenarios.js";
import { contentText, toolNames } from "./script.js";
import { testGateway, testRunner, useBackend, useFileServer } from "./fixtures.js";
import { type Env } from "./stack.js";

const CONTINUE = "Your previous reply was cut off. Continue it exactly where it stops, without repeating any of it.";
const answerFor = (k: string): string =>
  `Tale ${k}: ${Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ")} the end.`;

/**
 * "tale <k>" with tools → one list_dir call; after the tool → answerFor(k) word by word, 120 ms apart; a continuation
 * request (the model's own partial answer, then the continue instruction) → the rest of answerFor(k), quickly.
 */
function taleScript(req: RecordedRequest): ScriptedReply {
  const messages = req.body.messages;
  const tale = messages
    .map((m) => (m.role === "user" ? /^tale (\d+)/.exec(contentText(m.content))?.[1] : undefined))
    .find((k) => k !== undefined);
  const last = messages.at(-1);
  if (tale !== undefined && last?.role === "user" && contentText(last.content) === CONTINUE) {
    const prefix = contentText(messages.at(-2)?.content ?? "");
    return { kind: "text", chunks: splitWords(answerFor(tale).slice(prefix.length)), delayMs: 10 };
  }
  if (tale !== undefined && last?.role === "tool")
    return { kind: "text", chunks: splitWords(answerFor(tale)), delayMs: 120 };
  const listDir = toolNames(req).find((n) => n.endsWith("list_dir"));
  if (tale !== undefined && listDir !== undefined)
    return {
      kind: "tool_calls",
      calls: [{ id: `call_tale_${tale}`, name: listDir, arguments: JSON.stringify({ path: "." }) }],
    };
  return { kind: "text", chunks: splitWords(`echo: ${contentText(last?.content ?? "")}`), delayMs: 20 };
}

// The file's Redis serves the takeover test; the Redis-killed tests start (and kill) their own.
const backend = useBackend(taleScript);
const files = useFileServer();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function stackEnv(redisUrl: string, prefix: string): Env {
  return {
    ...backend.env,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    HISTORY_KEY_PREFIX: prefix,
    MCP_SERVER_URL: files.server.url,
    MCP_TRANSPORT: "streamable_http",
  };
}
const runner = (env: Env) => testRunner({ RUNNER_LOCK_MS: "2000", RUNNER_CONCURRENCY: "32", ...env });
const gateway = testGateway;

describe("a runner killed with 20 turns mid-stream", () => {
  it(
    "another runner takes every turn over: 20/20 whole answers, no repeated text or tool events, history once per turn",
    { timeout: 120_000 },
    async () => {
      const p = `r${Math.random().toString(36).slice(2, 8)}:`;
      const env = stackEnv(backend.redis.url, p);
      const doomed = await runner(env);
      const gateways = await Promise.all([gateway(env), gateway(env)]);
      const turns = Array.from({ length: 20 }, (_, k) => ({
        k: String(k),
        events: [] as Array<{ event?: string; data: string; id?: string }>,
      }));
      const reading = turns.map(async (t, i) => {
        const gw = gateways[i % 2];
        if (gw === undefined) throw new Error("no gateway");
        const res = await fetch(
          `${gw.url}/v1/agent/chat/stream`,
          post({ session_id: `tale-${p}${t.k}`, input: `tale ${t.k}` }),
        );
        expect(res.status).toBe(200);
        for await (const m of streamSse(res)) t.events.push(m);
      });
      // Every turn has streamed part of its answer (after its tool call) on the only runner: now it dies.
      const started = Date.now();
      while (!turns.every((t) => t.events.filter((e) => e.event === "token").length >= 3)) {
        if (Date.now() - started > 30_000) throw new Error("the turns did not start streaming");
        await sleep(20);
      }
      // Killed at once (a survivor started first could take seconds on a loaded box, while the answers run out); the
      // survivor's stall check then finds every turn of the dead runner.
      doomed.kill("SIGKILL");
      await runner(env);
      await Promise.all(reading);

      for (const t of turns) {
        const names = t.events.map((e) => e.event);
        expect(names.at(-1), `turn ${t.k}: ${JSON.stringify(t.events.slice(-3))}`).toBe("done");
        expect(names).not.toContain("error");
        expect(tokensOf(t.events)).toBe(answerFor(t.k));
        expect(names.filter((n) => n === "tool_start")).toHaveLength(1);
        expect(names.filter((n) => n === "tool_end")).toHaveLength(1);
      }
      // The tool step was never asked of the model twice (it was replayed from the journal), and every turn whose
      // runner died was continued (a continuation request) rather than restarted.
      const toolAsks = new Map<string, number>();
      for (const r of backend.upstream.requests) {
        const first = r.body.messages.find((m) => m.role === "user");
        const k = /^tale (\d+)/.exec(contentText(first?.content ?? ""))?.[1];
        if (
          k !== undefined &&
          r.body.messages.at(-1)?.role === "user" &&
          contentText(r.body.messages.at(-1)?.content) !== CONTINUE
        )
          toolAsks.set(k, (toolAsks.get(k) ?? 0) + 1);
      }
      for (const t of turns) expect(toolAsks.get(t.k), `turn ${t.k}`).toBe(1);
      expect(backend.upstream.requests.some((r) => contentText(r.body.messages.at(-1)?.content) === CONTINUE)).toBe(
        true,
      );

      // History holds each turn exactly once: human, AI with the tool call, tool result, the whole answer.
      const check = new Redis(backend.redis.url);
      try {
        for (const t of turns) {
          const [key] = (await check.keys(`${p}history:*tale-${p}${t.k}}`)).filter((k) => !k.endsWith(":turns"));
          expect(key, `history of turn ${t.k}`).toBeDefined();
          const stored = (await check.lrange(key ?? "", 0, -1)).map(
            (s) => JSON.parse(s) as { type: string; data: { content: unknown } },
          );
          expect(stored.map((m) => m.type)).toEqual(["human", "ai", "tool", "ai"]);
          expect(stored.at(-1)?.data.content).toBe(answerFor(t.k));
        }
      } finally {
        check.disconnect();
      }
    },
  );
});

describe("Redis killed and restarted", () => {
  it(
    "while it is down every request answers within 2 s (503 + Retry-After), an open stream ends error + done; with AOF the queued turn is still there and finishes",
    { timeout: 90_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "acb-aof-"));
      let redis = await startRedis({ dir, appendonly: true });
      onTestFinished(() => redis.stop());
      const p = `a${Math.random().toString(36).slice(2, 8)}:`;
      const env = stackEnv(redis.url, p);
      const gw = await gateway(env);
      // No runner yet: the turn stays queued.
      const res = await fetch(
        `${gw.url}/v1/chat/stream`,
        post({ session_id: "aof", input: "queued while redis dies" }),
      );
      const turnId = res.headers.get("x-turn-id") ?? "";
      const { events: streamed, ended: reading } = collectSse(res);
      await sleep(300);
      redis.process.kill("SIGKILL");
      await sleep(200);

      for (const [path, init] of [
        ["/v1/chat", post({ session_id: "s", input: "hi" })],
        ["/v1/chat/stream", post({ session_id: "s", input: "hi" })],
        [`/v1/turns/${turnId}/events`, {}],
      ] as const) {
        const t0 = Date.now();
        const down = await fetch(`${gw.url}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
        // at once, not after the 5 s abort: the first request may wait out the reconnect grace (1.2 s)
        expect(Date.now() - t0, path).toBeLessThan(3_000);
        expect(down.status, path).toBe(503);
        expect(down.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(((await down.json()) as { error: { code: string } }).error.code).toBe("not_ready");
      }
      expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
      const t0 = Date.now();
      expect((await fetch(`${gw.url}/readiness`)).status).toBe(503);
      expect(Date.now() - t0).toBeLessThan(2_500);
      await reading;
      expect(streamed.slice(-2).map((m) => m.event)).toEqual(["error", "done"]);
      expect(streamed.at(-1)?.data).toBe("aof");

      // Back, with its AOF: the queued turn is still queued; a runner finishes it and a client resumes it.
      redis = await startRedis({ port: redis.port, dir, appendonly: true });
      await runner(env);
      // A turn with no event yet is not resumable (404) until its runner starts it (not this change's business).
      let resumed = await readSse(`${gw.url}/v1/turns/${turnId}/events`, { signal: AbortSignal.timeout(20_000) });
      for (let i = 0; i < 50 && resumed.status === 404; i++) {
        await sleep(200);
        resumed = await readSse(`${gw.url}/v1/turns/${turnId}/events`, { signal: AbortSignal.timeout(20_000) });
      }
      expect(resumed.status).toBe(200);
      expect(tokensOf(resumed.messages)).toBe("echo: queued while redis dies");
      expect(resumed.messages.at(-1)?.event).toBe("done");
    },
  );

  it(
    "restarted without persistence: a queued turn whose job vanished ends within 10 s, not at the watchdog",
    { timeout: 60_000 },
    async () => {
      let redis = await startRedis();
      onTestFinished(() => redis.stop());
      const p = `n${Math.random().toString(36).slice(2, 8)}:`;
      const gw = await gateway({ ...stackEnv(redis.url, p), TURN_TIMEOUT_MS: "120000" });
      const res = await fetch(`${gw.url}/v1/chat/stream`, post({ session_id: "gone", input: "lost in the restart" }));
      const { events: streamed, ended: reading } = collectSse(res);
      await sleep(300);
      redis.process.kill("SIGKILL");
      await sleep(100);
      redis = await startRedis({ port: redis.port });
      const restarted = Date.now();
      await reading;
      expect(Date.now() - restarted).toBeLessThan(10_000);
      expect(streamed.map((m) => m.event)).toEqual(["error", "done"]);
      expect(streamed[0]?.data).toMatch(/lost before a runner took it/);
      expect(streamed.at(-1)?.data).toBe("gone");
    },
  );
});
