/**
 * Issue 11 as an operator checks it: known traffic through an in-process gateway, a real runner process and a
 * real file server over HTTP; then /metrics on all three, one trace per turn at an OTLP/HTTP receiver, and the
 * logs (every line JSON, the failure's cause in them).
 */
import { createLogger } from "@acb/logger";
import { startTracing, tracingConfigFromEnv, type Tracing } from "@acb/telemetry";
import {
  freePort,
  readSse,
  startRedis,
  startScriptedOpenAI,
  startService,
  type PrivateRedis,
  type RecordedRequest,
  type ScriptedOpenAI,
  type ScriptedReply,
  type ServiceProcess,
} from "@acb/testkit";
import { serve, type ServerType } from "@hono/node-server";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../src/config.js";
import { createGateway, type Gateway } from "../src/gateway.js";
import { json } from "./harness.js";

const RUNNER = fileURLToPath(new URL("../../agent-runner/dist/main.js", import.meta.url));
const FILESERVER = fileURLToPath(new URL("../../mcp-fileserver/dist/main.js", import.meta.url));

// ---- a tiny OTLP/HTTP (JSON) receiver -------------------------------------------------------------------

interface OtlpAttr {
  key: string;
  value: {
    stringValue?: string;
    intValue?: string | number;
    doubleValue?: number;
    boolValue?: boolean;
    arrayValue?: unknown;
  };
}
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

function attrs(list: OtlpAttr[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? [])
    out[a.key] =
      a.value.stringValue ??
      (a.value.intValue !== undefined
        ? Number(a.value.intValue)
        : (a.value.doubleValue ?? a.value.boolValue ?? a.value.arrayValue));
  return out;
}

async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url !== "/v1/traces" || !(req.headers["content-type"] ?? "").includes("json")) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        resourceSpans?: Array<{
          resource?: { attributes?: OtlpAttr[] };
          scopeSpans?: Array<{
            spans?: Array<{
              traceId: string;
              spanId: string;
              parentSpanId?: string;
              name: string;
              kind: number;
              attributes?: OtlpAttr[];
            }>;
          }>;
        }>;
      };
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attrs(rs.resource?.attributes)["service.name"]);
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? [])
            spans.push({
              service,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? "",
              name: s.name,
              kind: s.kind,
              attributes: attrs(s.attributes),
            });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((r) => server.close(() => r())) };
}

// ---- Prometheus text ------------------------------------------------------------------------------------

/** The value of one series: `name` with exactly these labels (plus `service`), or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[l[1] ?? ""] = l[2] ?? "";
    delete got.service;
    const want = Object.entries(labels);
    if (want.length === Object.keys(got).length && want.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

// ---- the stack ------------------------------------------------------------------------------------------

/** "list files" → a list_dir tool call, then a sentence; "fail" → HTTP 500; anything else → an echo (with usage). */
function script(req: RecordedRequest): ScriptedReply {
  const last = req.body.messages.at(-1);
  const input = typeof last?.content === "string" ? last.content : "";
  if (last?.role === "tool") return { kind: "text", chunks: ["the ", "files ", "are ", "listed"], usage: true };
  if (/fail/.test(input)) return { kind: "http_error", status: 500 };
  const tools = (req.body.tools ?? []).map((t) => (t as { function?: { name?: string } }).function?.name ?? "");
  if (/list files/.test(input) && tools.includes("list_dir"))
    return { kind: "tool_calls", calls: [{ name: "list_dir", arguments: JSON.stringify({ path: "." }) }] };
  return { kind: "text", chunks: ["echo: ", input], usage: true };
}

/** Lines a logger wrote, kept in memory. */
function lineSink(): { stream: Writable; lines: () => string[] } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, lines: () => text.split("\n").filter((l) => l !== "") };
}

let redis: PrivateRedis;
let upstream: ScriptedOpenAI;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
let tracing: Tracing;
let fileServer: ServiceProcess;
let fileServerUrl: string;
let runner: ServiceProcess;
let runnerMetrics: string;
let gateway: Gateway;
let server: ServerType;
let base: string;
const gatewayLog = lineSink();

beforeAll(async () => {
  redis = await startRedis();
  upstream = await startScriptedOpenAI({ script });
  otlp = await startOtlpReceiver();
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
  };

  const root = mkdtempSync(join(tmpdir(), "acb-obs-"));
  writeFileSync(join(root, "notes.txt"), "the secret content of the notes\n");
  const fsPort = await freePort();
  fileServerUrl = `http://127.0.0.1:${fsPort}`;
  fileServer = await startService(
    process.execPath,
    [FILESERVER, "--root", root, "--transport", "http", "--port", String(fsPort), "--host", "127.0.0.1"],
    {
      name: "mcp-fileserver",
      env: { LOG_LEVEL: "info", MCP_AUTH_TOKEN: undefined, ...otel },
      ready: async () => (await fetch(`${fileServerUrl}/healthz`)).ok,
    },
  );

  const metricsPort = await freePort();
  runnerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
  runner = await startService(process.execPath, [RUNNER], {
    name: "agent-runner",
    env: {
      REDIS_URL: redis.url,
      OPENAI_API_KEY: "sk-test-never-logged",
      OPENAI_BASE_URL: upstream.url,
      MODEL_PROVIDER: undefined,
      MODEL_MAX_RETRIES: "0",
      MCP_SERVERS: undefined,
      MCP_SERVER_URL: `${fileServerUrl}/mcp`,
      MCP_TRANSPORT: "streamable_http",
      METRICS_PORT: String(metricsPort),
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      RUNNER_HEARTBEAT_MS: "500",
      ...otel,
    },
    ready: (out) => out().includes('"msg":"ready"'),
    // its start loads LangChain and the OpenTelemetry SDK: on a loaded box (two suites, each starting processes)
    // it once printed nothing for 30 s
    readyTimeoutMs: 60_000,
  });

  // The gateway in this process, traced to the same receiver, logging into memory.
  const tracingConfig = tracingConfigFromEnv(otel, "chat-gateway");
  if (!tracingConfig.ok) throw new Error(tracingConfig.message);
  tracing = startTracing(tracingConfig.value);
  const loaded = loadGatewayConfig({ REDIS_URL: redis.url, HOST: "127.0.0.1", LOG_LEVEL: "info" });
  if (!loaded.ok) throw new Error(loaded.message);
  gateway = createGateway(loaded.value, createLogger("chat-gateway", "info", { destination: gatewayLog.stream }));
  server = serve({ fetch: gateway.app.fetch, port: 0, hostname: "127.0.0.1" });
  gateway.attach(server);
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A runner is seen (the gateway's readiness needs one) before the known traffic.
  for (let i = 0; i < 100 && (await fetch(`${base}/readiness`)).status !== 200; i++)
    await new Promise((r) => setTimeout(r, 100));

  // The known traffic: one agent turn with one tool call, one chat turn, one chat turn the upstream fails.
  const agent = await readSse(
    `${base}/v1/agent/chat/stream`,
    json({ session_id: "obs-agent", input: "list files please" }),
  );
  expect(agent.messages.map((m) => m.event)).toContain("tool_end");
  const chat = await readSse(`${base}/v1/chat/stream`, json({ session_id: "obs-chat", input: "hello there" }));
  expect(chat.messages.at(-2)?.event).toBe("token");
  const failed = await readSse(`${base}/v1/chat/stream`, json({ session_id: "obs-fail", input: "please fail" }));
  expect(failed.messages.map((m) => m.event)).toEqual(["error", "done"]);
}, 120_000);

afterAll(async () => {
  // (a set-up that failed before the gateway listened leaves no server: nothing to wait for)
  const listening = server;
  if (listening !== undefined)
    await new Promise<void>((r) => {
      listening.close(() => r());
      if ("closeAllConnections" in listening) listening.closeAllConnections();
    });
  await gateway?.pipeline.close();
  await tracing?.shutdown();
  await runner?.stop(5_000);
  await fileServer?.stop(5_000);
  await upstream?.close();
  await otlp?.close();
  await redis?.stop();
});

describe("/metrics after known traffic", () => {
  it("the runner counts turns started and finished by mode and outcome, the tool call, tokens and timings", async () => {
    // The runner counts a turn finished just after appending its `done` (it clears the turn's journal in between):
    // the client may read `done` first, so wait until the three turns are counted, then check every figure once.
    const finished = (text: string) =>
      [
        { mode: "agent", outcome: "completed" },
        { mode: "chat", outcome: "completed" },
        { mode: "chat", outcome: "upstream" },
      ].map((labels) => sample(text, "acb_turns_finished_total", labels));
    await expect.poll(async () => finished(await (await fetch(runnerMetrics)).text())).toEqual([1, 1, 1]);
    const text = await (await fetch(runnerMetrics)).text();
    expect(sample(text, "acb_turns_started_total", { mode: "agent" })).toBe(1);
    expect(sample(text, "acb_turns_started_total", { mode: "chat" })).toBe(2);
    expect(sample(text, "acb_turns_finished_total", { mode: "agent", outcome: "completed" })).toBe(1);
    expect(sample(text, "acb_turns_finished_total", { mode: "chat", outcome: "completed" })).toBe(1);
    expect(sample(text, "acb_turns_finished_total", { mode: "chat", outcome: "upstream" })).toBe(1);
    expect(sample(text, "acb_mcp_tool_calls_total", { server: "files", tool: "list_dir", outcome: "ok" })).toBe(1);
    expect(sample(text, "acb_mcp_tool_duration_seconds_count", { server: "files", tool: "list_dir" })).toBe(1);
    expect(sample(text, "acb_turn_first_token_seconds_count", { mode: "chat" })).toBe(1);
    expect(sample(text, "acb_turn_queue_wait_seconds_count", { mode: "chat" })).toBe(2);
    expect(sample(text, "acb_turn_duration_seconds_count", { mode: "agent", outcome: "completed" })).toBe(1);
    expect(sample(text, "acb_turn_token_chars_total", { mode: "chat" })).toBe("echo: hello there".length);
    expect(sample(text, "acb_model_tokens_total", { type: "output" })).toBeGreaterThan(0);
    expect(sample(text, "acb_model_calls_total", { outcome: "error" })).toBe(1);
    expect(sample(text, "acb_turns_in_flight")).toBe(0);
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
    // No per-turn or per-session label anywhere.
    expect(text).not.toMatch(/obs-agent|obs-chat|turn_id|session/);
  });

  it("the file server counts the tool call it served, by tool and outcome", async () => {
    const text = await (await fetch(`${fileServerUrl}/metrics`)).text();
    expect(sample(text, "acb_mcp_server_tool_calls_total", { tool: "list_dir", outcome: "ok" })).toBe(1);
    expect(sample(text, "acb_mcp_server_tool_duration_seconds_count", { tool: "list_dir" })).toBe(1);
  });

  it("the gateway counts enqueued turns, requests by route pattern, and reads queue depth and live runners from Redis", async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, "acb_turns_enqueued_total", { mode: "agent" })).toBe(1);
    expect(sample(text, "acb_turns_enqueued_total", { mode: "chat" })).toBe(2);
    expect(
      sample(text, "acb_http_requests_total", { method: "POST", route: "/v1/agent/chat/stream", status: "200" }),
    ).toBe(1);
    expect(sample(text, "acb_http_requests_total", { method: "POST", route: "/v1/chat/stream", status: "200" })).toBe(
      2,
    );
    expect(sample(text, "acb_queue_jobs", { state: "waiting" })).toBe(0);
    expect(sample(text, "acb_queue_jobs", { state: "active" })).toBe(0);
    expect(sample(text, "acb_runners_alive")).toBe(1);
    expect(sample(text, "acb_stream_followers")).toBe(0);
    expect(sample(text, "acb_fanout_lag_seconds_count")).toBeGreaterThan(0);
    // The gateway runs no turns in distributed mode.
    expect(sample(text, "acb_turns_started_total", { mode: "chat" })).toBeUndefined();
  });

  it("the gateway's request log: one info line per request with the route pattern, status, turn id and trace id", () => {
    const lines = gatewayLog.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    const turns = lines.filter((l) => l.msg === "request" && l.route === "/v1/chat/stream");
    expect(turns).toHaveLength(2);
    for (const l of turns)
      expect(l).toMatchObject({
        level: "info",
        method: "POST",
        status: 200,
        turn_id: expect.any(String),
        trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
  });
});

describe("one trace per turn: gateway → queue → runner → model → tool → MCP server", () => {
  it("the agent turn's spans share one trace id across the three services, with GenAI names and attributes and no content", async () => {
    const want = [
      "POST /v1/agent/chat/stream",
      "send acb-turns",
      "invoke_agent acb",
      "chat gpt-4o-mini",
      "execute_tool list_dir",
    ];
    let trace: ReceivedSpan[] = [];
    await tracing.shutdown(); // flushes the in-process gateway's spans
    for (let i = 0; i < 100; i++) {
      const root = otlp.spans.find((s) => s.name === "POST /v1/agent/chat/stream");
      trace = root === undefined ? [] : otlp.spans.filter((s) => s.traceId === root.traceId);
      if (
        want.every((n) => trace.some((s) => s.name === n)) &&
        trace.filter((s) => s.name === "execute_tool list_dir").length === 2 &&
        trace.filter((s) => s.name.startsWith("chat ")).length === 2
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const by = (name: string, service: string): ReceivedSpan | undefined =>
      trace.find((s) => s.name === name && s.service === service);
    const request = by("POST /v1/agent/chat/stream", "chat-gateway");
    const send = by("send acb-turns", "chat-gateway");
    const agent = by("invoke_agent acb", "agent-runner");
    const chats = trace.filter((s) => s.name === "chat gpt-4o-mini" && s.service === "agent-runner");
    const toolClient = by("execute_tool list_dir", "agent-runner");
    const toolServer = by("execute_tool list_dir", "mcp-fileserver");
    expect(request && send && agent && toolClient && toolServer).toBeTruthy();
    expect(chats).toHaveLength(2); // the tool call round, then the answer
    // Parent links: request → send → invoke_agent → chat / execute_tool → the file server's execute_tool.
    expect(send?.parentSpanId).toBe(request?.spanId);
    expect(agent?.parentSpanId).toBe(send?.spanId);
    for (const c of chats) expect(c.parentSpanId).toBe(agent?.spanId);
    expect(toolClient?.parentSpanId).toBe(agent?.spanId);
    expect(toolServer?.parentSpanId).toBe(toolClient?.spanId);
    expect(request?.attributes).toMatchObject({
      "http.route": "/v1/agent/chat/stream",
      "http.response.status_code": 200,
    });
    expect(agent?.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.conversation.id": "obs-agent",
      "acb.turn.mode": "agent",
    });
    expect(chats[1]?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.usage.output_tokens": expect.any(Number),
    });
    expect(toolClient?.attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "list_dir",
      "mcp.server.name": "files",
    });
    // No message content, tool result or key in any span.
    const all = JSON.stringify(trace);
    for (const secret of ["list files please", "the secret content", "notes.txt", "sk-test-never-logged"])
      expect(all).not.toContain(secret);
  });
});

describe("logs", () => {
  it("the runner's lines are all JSON and the failed turn's cause is there once: code, error classes, upstream status, no key or prompt", () => {
    const lines = runner
      .output()
      .split("\n")
      .filter((l) => l !== "");
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const failures = parsed.filter((l) => l.msg === "turn failed");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      level: "warn",
      code: "upstream",
      upstream_status: 500,
      error_kind: "upstream",
      error_class: expect.stringMatching(/TurnFailedError < ModelError < \w+/),
    });
    expect(runner.output()).not.toContain("sk-test-never-logged");
    expect(runner.output()).not.toContain("please fail");
  });
});
