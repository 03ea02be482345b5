// A gateway in distributed mode never runs a turn: its start-up must not load the engine (LangChain, the model
// clients, the MCP SDK: about 0.8 s of CPU per process) nor the OpenTelemetry SDK while tracing is off. The built
// gateway is started as a user starts it, with testkit's import recorder (every module it imports or requires).
import {
  freePort,
  importRecorder,
  startRedis,
  startService,
  type ImportRecorder,
  type PrivateRedis,
} from "@acb/testkit";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Not through harness.ts: it imports createGateway, and with it the engine, into this test process.
const GATEWAY_MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** Packages only turns (and tracing) need, by the path pnpm installs them under. */
const ENGINE_ONLY = [
  /\/node_modules\/@langchain\//,
  /\/node_modules\/langchain\//,
  /\/node_modules\/langsmith\//,
  /\/node_modules\/openai\//,
  /\/node_modules\/@modelcontextprotocol\/sdk\//,
  /\/packages\/(chains|engine)\/dist\/index\.js$/,
  /\/node_modules\/@opentelemetry\/sdk-trace-/,
];

let redis: PrivateRedis;
let recorder: ImportRecorder;
let loaded: string[];

beforeAll(async () => {
  redis = await startRedis();
  recorder = importRecorder();
  const port = await freePort();
  const gateway = await startService(process.execPath, [...recorder.args, GATEWAY_MAIN], {
    name: "chat-gateway",
    env: {
      LOG_LEVEL: "warn",
      OPENAI_API_KEY: undefined,
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_TRACES_EXPORTER: undefined,
      REDIS_URL: redis.url,
      HOST: "127.0.0.1",
      PORT: String(port),
      GATEWAY_DRAIN_MS: "0",
      ...recorder.env,
    },
    ready: async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true,
  });
  // Its readiness checks run too: nothing behind them may load the engine on first use either.
  await fetch(`http://127.0.0.1:${port}/readiness`);
  await gateway.stop();
  loaded = recorder.urls();
});

afterAll(async () => {
  await redis?.stop();
  recorder?.close();
});

describe("a distributed gateway's start-up", () => {
  it("loads the gateway's own modules (the recorder sees the whole graph)", () => {
    expect(loaded.some((u) => u.endsWith("/apps/chat-gateway/dist/pipelines.js"))).toBe(true);
    expect(loaded.some((u) => u.endsWith("/packages/chains/dist/config.js"))).toBe(true);
    expect(loaded.some((u) => /\/node_modules\/hono\//.test(u))).toBe(true);
  });

  it("loads no LangChain, model client, MCP SDK or tracing SDK", () => {
    expect(loaded.filter((u) => ENGINE_ONLY.some((p) => p.test(u)))).toEqual([]);
  });
});
