import { readSse, startRedis, startScriptedOpenAI, type PrivateRedis, type ScriptedOpenAI } from "@acb/testkit";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_MAIN, json, startGateway, transcript } from "./harness.js";

describe("configuration", () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [GATEWAY_MAIN], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 10_000 });

  const bad: Array<[Record<string, string>, string]> = [
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ REDIS_URL: "localhost:6379" }, "REDIS_URL"],
    [{ MODEL_PROVIDER: "anthropic" }, "MODEL_PROVIDER"],
    [{ OPENAI_BASE_URL: "not a url" }, "OPENAI_BASE_URL"],
    [{ TURN_TIMEOUT_MS: "-5" }, "TURN_TIMEOUT_MS"],
    [{ MODEL_TEMPERATURE: "3" }, "MODEL_TEMPERATURE"],
  ];
  for (const [env, name] of bad) {
    it(`refuses to start with a bad ${name}, in one line naming it`, () => {
      const r = run(env);
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(name);
      expect(r.stderr).not.toContain("    at ");
    });
  }
});

describe("turn timeout", () => {
  let upstream: ScriptedOpenAI;
  beforeAll(async () => {
    upstream = await startScriptedOpenAI({ script: () => ({ kind: "hang" }) });
  });
  afterAll(async () => upstream?.close());

  it("bounds every turn: SSE gets error then done, /v1/chat a 504", async () => {
    const gw = await startGateway({ OPENAI_BASE_URL: upstream.url, TURN_TIMEOUT_MS: "1500", MODEL_TIMEOUT_MS: "60000", MODEL_MAX_RETRIES: "0" });
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
  let redis: PrivateRedis;
  let upstream: ScriptedOpenAI;
  beforeAll(async () => {
    redis = await startRedis();
    upstream = await startScriptedOpenAI();
  });
  afterAll(async () => {
    await upstream?.close();
    await redis?.stop();
  });

  it("reports not ready (503) when Redis is unreachable", async () => {
    const dead = await startRedis();
    const url = dead.url;
    await dead.stop();
    const gw = await startGateway({ MODEL_PROVIDER: "offline", REDIS_URL: url });
    try {
      const res = await fetch(`${gw.url}/readiness`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: "not_ready", mode: "distributed", checks: { redis: { ok: false }, history: { ok: false } } });
    } finally {
      await gw.stop();
    }
  });
});

describe("offline model (no key, no base URL)", () => {
  it("works end to end and says what it is", async () => {
    const gw = await startGateway({});
    try {
      const res = await readSse(`${gw.url}/v1/chat/stream`, json({ session_id: "off", input: "my name is Ada" }));
      const tokens = res.messages.filter((m) => m.event === "token");
      expect(tokens.length).toBeGreaterThan(3);
      expect(tokens.map((m) => m.data).join("")).toMatch(/offline/i);
      const again = await (await fetch(`${gw.url}/v1/chat`, json({ session_id: "off", input: "what is my name?" }))).json();
      expect(JSON.stringify(again)).toContain("Ada");
    } finally {
      await gw.stop();
    }
  });
});
