import {
  configRefusalProblems,
  freePort,
  readSse,
  refusedStartProblems,
  startRedis,
  startScriptedOpenAI,
  type ScriptedOpenAI,
} from "@acb/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../src/config.js";
import { GATEWAY_MAIN, gatewayFromEnv, json, NO_TOOL_SERVERS, startGateway, startInProcessGateway } from "./harness.js";

const BAD_ENV: Array<[Record<string, string>, string]> = [
  [{ PORT: "eighty" }, "PORT"],
  [{ PORT: "70000" }, "PORT"],
  [{ REDIS_URL: "localhost:6379" }, "REDIS_URL"],
  [{ MODEL_PROVIDER: "anthropic" }, "MODEL_PROVIDER"],
  [{ OPENAI_BASE_URL: "not a url" }, "OPENAI_BASE_URL"],
  [{ TURN_TIMEOUT_MS: "-5" }, "TURN_TIMEOUT_MS"],
  [{ MODEL_TEMPERATURE: "3" }, "MODEL_TEMPERATURE"],
  [{ REDIS_COMMAND_TIMEOUT_MS: "0" }, "REDIS_COMMAND_TIMEOUT_MS"],
  [{ REDIS_COMMAND_TIMEOUT_MS: "1.5s" }, "REDIS_COMMAND_TIMEOUT_MS"],
];

describe("configuration (the parser main.ts uses, no process)", () => {
  for (const [env, name] of BAD_ENV) {
    it(`refuses a bad ${name}, in one line naming it`, () => {
      const r = loadGatewayConfig(env);
      expect(configRefusalProblems(r, name)).toEqual([]);
      expect(r.ok ? "" : r.message).not.toContain("    at ");
    });
  }

  it("an empty env is the embedded gateway on 127.0.0.1:8000 with the offline model", () => {
    const r = loadGatewayConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      port: 8000,
      host: "127.0.0.1",
      redisUrl: undefined,
      model: { provider: "offline" },
    });
  });
});

describe("the built gateway (node dist/main.js): start-up, config errors, signals", () => {
  it("refuses to start with a bad setting: exit 1 and one stderr line naming it (each setting: the parser tests above)", () => {
    expect(refusedStartProblems(GATEWAY_MAIN, { REDIS_URL: "localhost:6379" }, "REDIS_URL")).toEqual([]);
  });

  it("offline model (no key, no base URL): works end to end, says what it is, and exits 0 on SIGTERM", async () => {
    const gw = await startGateway({});
    try {
      const res = await readSse(`${gw.url}/v1/chat/stream`, json({ session_id: "off", input: "my name is Ada" }));
      const tokens = res.messages.filter((m) => m.event === "token");
      expect(tokens.length).toBeGreaterThan(3);
      expect(tokens.map((m) => m.data).join("")).toMatch(/offline/i);
      const again = await (
        await fetch(`${gw.url}/v1/chat`, json({ session_id: "off", input: "what is my name?" }))
      ).json();
      expect(JSON.stringify(again)).toContain("Ada");
    } finally {
      expect(await gw.process.stop()).toBe(0);
    }
  });
});

describe("turn timeout", () => {
  let upstream: ScriptedOpenAI;
  beforeAll(async () => {
    upstream = await startScriptedOpenAI({ script: () => ({ kind: "hang" }) });
  });
  afterAll(async () => upstream?.close());

  it("bounds every turn: SSE gets error then done, /v1/chat a 504", async () => {
    // No tool servers: the bound is the turn's, whatever it waits on.
    const gw = await startInProcessGateway({
      OPENAI_BASE_URL: upstream.url,
      ...NO_TOOL_SERVERS,
      TURN_TIMEOUT_MS: "1500",
      MODEL_TIMEOUT_MS: "60000",
      MODEL_MAX_RETRIES: "0",
    });
    try {
      const started = Date.now();
      const sse = await readSse(`${gw.url}/v1/chat/stream`, json({ session_id: "t", input: "x" }));
      expect(sse.messages.map((m) => m.event)).toEqual(["error", "done"]);
      expect(sse.messages[0]?.data).toMatch(/did not finish within/);
      expect(Date.now() - started).toBeLessThan(5_000);
      const res = await fetch(`${gw.url}/v1/chat`, json({ session_id: "t", input: "x" }));
      expect(res.status).toBe(504);
      expect(await res.json()).toMatchObject({ error: { code: "timeout" } });
    } finally {
      await gw.stop();
    }
  });
});

describe("REDIS_URL: distributed mode", () => {
  it("reports not ready (503) when Redis is unreachable", async () => {
    // A free port: nothing listens there.
    const url = `redis://127.0.0.1:${await freePort()}`;
    const gw = await startInProcessGateway({ MODEL_PROVIDER: "offline", REDIS_URL: url });
    try {
      const res = await fetch(`${gw.url}/readiness`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: "not_ready",
        mode: "distributed",
        checks: { redis: { ok: false }, history: { ok: false } },
      });
    } finally {
      await gw.stop();
    }
  });

  it("REDIS_COMMAND_TIMEOUT_MS: a Redis that takes commands but answers none gets the request a 503 after that long, not the default 1.5 s", async () => {
    const redis = await startRedis();
    const gw = gatewayFromEnv({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: "2500" });
    try {
      // connected: a lookup in Redis answers (no such turn)
      await expect.poll(async () => (await gw.app.request("/v1/turns/unknownturn0000000000/events")).status).toBe(404);
      redis.process.kill("SIGSTOP"); // the connection stays open; nothing is answered
      const started = Date.now();
      const res = await gw.app.request("/v1/chat", json({ session_id: "stopped", input: "hi" }));
      const waited = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
      // A lower bound only (a busy box can only add to it). The request waits on two commands one after the other:
      // 2 × 2.5 s here; 2 × 1.5 s = 3 s with the default (measured), which this bound refuses.
      expect(waited).toBeGreaterThanOrEqual(4_000);
    } finally {
      redis.process.kill("SIGCONT");
      await gw.close();
      await redis.stop();
    }
  });
});
