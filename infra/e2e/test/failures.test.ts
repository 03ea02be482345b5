import { readSse, type ServiceProcess } from "@acb/testkit";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { collectSse, post, tokensOf } from "./scenarios.js";
import { contentText, pipelineScript } from "./script.js";
import { testGateway, testRunner, useBackend } from "./fixtures.js";
import { FILESERVER, makeFilesRoot, startFileServerHttp, type Env, type Service } from "./stack.js";

const backend = useBackend(pipelineScript);
let root: string;
beforeAll(() => {
  root = makeFilesRoot();
});

const prefix = (): string => `p${Math.random().toString(36).slice(2, 8)}:`;
const runner = (env: Env): Promise<ServiceProcess> => testRunner({ ...backend.env, ...env });
const gateway = (env: Env): Promise<Service> => testGateway({ ...backend.env, ...env });

describe("runner death", () => {
  it("a runner killed with SIGKILL mid-turn: another runner takes the turn over within the stall window", async () => {
    const p = prefix();
    const env = { REDIS_KEY_PREFIX: p, HISTORY_KEY_PREFIX: p, RUNNER_LOCK_MS: "2000", USE_MCP_IN_CHAT: "false" };
    const doomed = await runner(env);
    const gw = await gateway({ REDIS_KEY_PREFIX: p, HISTORY_KEY_PREFIX: p });
    const res = await fetch(
      `${gw.url}/v1/chat/stream`,
      post({ session_id: "doomed", input: `slow:200:${"word ".repeat(60)}` }),
    );
    const { events, ended } = collectSse(res);
    while (!events.some((e) => e.event === "token")) await new Promise((r) => setTimeout(r, 20));
    await runner(env); // the survivor whose stall check finds the dead runner's job
    // 60 words at 200 ms: the turn is still mid-stream when its runner dies.
    expect(events.some((e) => e.event === "done")).toBe(false);
    doomed.kill("SIGKILL");
    const killedAt = Date.now();
    await ended;
    // The survivor takes the turn over and finishes it (resilience.test.ts checks the text in detail).
    expect(events.at(-1)?.event).toBe("done");
    expect(events.some((e) => e.event === "error")).toBe(false);
    expect(events.at(-1)?.data).toBe("doomed");
    expect(events.filter((e) => e.event === "done")).toHaveLength(1);
    // lock 2 s: stall check every 1 s, so the turn ends within ~3 s of the kill (bounded, with slack for CI).
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  });

  it("with no runner at all, the gateway's watchdog ends the turn after its deadline", async () => {
    const p = prefix();
    const gw = await gateway({ REDIS_KEY_PREFIX: p, TURN_TIMEOUT_MS: "1500", WATCHDOG_GRACE_MS: "500" });
    const started = Date.now();
    const res = await readSse(`${gw.url}/v1/chat/stream`, post({ session_id: "orphan", input: "hello" }));
    expect(res.messages.map((m) => m.event)).toEqual(["error", "done"]);
    expect(Date.now() - started).toBeLessThan(6_000);
    const ready = await fetch(`${gw.url}/readiness`);
    expect(ready.status).toBe(503);
  });

  it("POST /v1/chat whose turn nobody ends answers 504, never a 200 with a partial text", async () => {
    const p = prefix();
    // The watchdog is later than the route's own wait (turn timeout + 5 s), so the route must notice itself.
    const gw = await gateway({ REDIS_KEY_PREFIX: p, TURN_TIMEOUT_MS: "1000", WATCHDOG_GRACE_MS: "60000" });
    const res = await fetch(`${gw.url}/v1/chat`, post({ session_id: "orphan-json", input: "hello" }));
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ error: { code: "timeout" } });
  });

  it("SIGTERM: the runner takes no new turns and finishes the one in flight", async () => {
    const p = prefix();
    const env = { REDIS_KEY_PREFIX: p, HISTORY_KEY_PREFIX: p, USE_MCP_IN_CHAT: "false" };
    const r = await runner(env);
    const gw = await gateway({ REDIS_KEY_PREFIX: p, HISTORY_KEY_PREFIX: p });
    const res = await fetch(
      `${gw.url}/v1/chat/stream`,
      post({ session_id: "graceful", input: "slow:100:one two three four five six" }),
    );
    const { events, ended } = collectSse(res);
    while (!events.some((e) => e.event === "token")) await new Promise((r2) => setTimeout(r2, 20));
    const code = r.stop(20_000);
    await ended;
    expect(tokensOf(events)).toBe("one two three four five six");
    expect(events.at(-1)).toMatchObject({ event: "done", data: "graceful" });
    expect(events.some((e) => e.event === "error")).toBe(false);
    expect(await code).toBe(0);
  });
});

describe("history in Redis", () => {
  it("a session survives a restart of every gateway and runner", async () => {
    const p = prefix();
    const env = { REDIS_KEY_PREFIX: p, HISTORY_KEY_PREFIX: p, USE_MCP_IN_CHAT: "false" };
    const r1 = await runner(env);
    const g1 = await gateway(env);
    await fetch(`${g1.url}/v1/chat`, post({ session_id: "persist", input: "remember the lighthouse" }));
    await g1.stop();
    await r1.stop();
    await runner(env);
    const g2 = await gateway(env);
    const before = backend.upstream.requests.length;
    const res = await fetch(`${g2.url}/v1/chat`, post({ session_id: "persist", input: "what should I remember?" }));
    expect(res.status).toBe(200);
    const sent = (backend.upstream.requests[before]?.body.messages ?? []).map(
      (m) => `${m.role}: ${contentText(m.content)}`,
    );
    expect(sent.slice(1)).toEqual([
      "user: remember the lighthouse",
      "assistant: echo: remember the lighthouse",
      "user: what should I remember?",
    ]);
  });
});

describe("MCP servers", () => {
  it("agent turns over the stdio transport", async () => {
    const p = prefix();
    const stdio = JSON.stringify({
      files: { transport: "stdio", command: process.execPath, args: [FILESERVER, "--root", root] },
    });
    await runner({ REDIS_KEY_PREFIX: p, HISTORY_KEY_PREFIX: p, MCP_SERVERS: stdio });
    const gw = await gateway({ REDIS_KEY_PREFIX: p, HISTORY_KEY_PREFIX: p });
    const res = await readSse(`${gw.url}/v1/agent/chat/stream`, post({ input: "list files", session_id: "stdio" }));
    expect(
      res.messages.filter((m) => m.event === "tool_start" || m.event === "tool_end").map((m) => `${m.event}:${m.data}`),
    ).toEqual(["tool_start:list_dir", "tool_end:list_dir"]);
    expect(tokensOf(res.messages)).toContain("notes.txt");
  });

  it("an MCP server killed and restarted between turns of one session is reconnected", async () => {
    const p = prefix();
    let files = await startFileServerHttp(root);
    const port = files.port;
    onTestFinished(() => files.stop());
    await runner({
      REDIS_KEY_PREFIX: p,
      HISTORY_KEY_PREFIX: p,
      MCP_SERVER_URL: files.url,
      MCP_CONNECT_TIMEOUT_MS: "2000",
    });
    const gw = await gateway({ REDIS_KEY_PREFIX: p, HISTORY_KEY_PREFIX: p });
    const first = await readSse(`${gw.url}/v1/agent/chat/stream`, post({ input: "list files", session_id: "restart" }));
    expect(tokensOf(first.messages)).toContain("notes.txt");
    files.process.kill("SIGKILL");
    await files.process.exited;
    files = await startFileServerHttp(root, port);
    const before = backend.upstream.requests.length;
    const second = await readSse(
      `${gw.url}/v1/agent/chat/stream`,
      post({ input: "list files again", session_id: "restart" }),
    );
    expect(second.messages.map((m) => m.event)).toContain("tool_end");
    expect(tokensOf(second.messages)).toContain("notes.txt");
    // The tool's answer (not an error) reached the model.
    const toolMessages = backend.upstream.requests
      .slice(before)
      .flatMap((r) => r.body.messages.filter((m) => m.role === "tool").map((m) => contentText(m.content)));
    expect(toolMessages.some((t) => t.includes("notes.txt"))).toBe(true);
  });

  it("USE_MCP_IN_CHAT with the MCP server down: chat falls back to the plain chain, and /readiness says so", async () => {
    const p = prefix();
    await runner({
      REDIS_KEY_PREFIX: p,
      HISTORY_KEY_PREFIX: p,
      MCP_SERVER_URL: "http://127.0.0.1:9/mcp",
      MCP_CONNECT_TIMEOUT_MS: "500",
    });
    const gw = await gateway({ REDIS_KEY_PREFIX: p, HISTORY_KEY_PREFIX: p });
    const res = await fetch(`${gw.url}/v1/chat`, post({ session_id: "fallback", input: "hello there" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: "echo: hello there" });
    const ready = (await (await fetch(`${gw.url}/readiness`)).json()) as {
      status: string;
      checks: Record<string, { ok: boolean; detail?: string }>;
    };
    expect(ready.status).toBe("ready");
    expect(ready.checks.mcp?.ok).toBe(false);
    expect(ready.checks.mcp?.detail).toMatch(/unreachable/);
  });
});

describe("embedded mode (the README's start command)", () => {
  it("shows tool calls with the offline model and the file server over stdio", async () => {
    // The default connect timeout (5 s) covers starting the file server child: not always enough on a loaded box.
    const gw = await testGateway({ FILES_ROOT: root, MCP_CONNECT_TIMEOUT_MS: "30000" });
    const res = await readSse(`${gw.url}/v1/agent/chat/stream`, post({ input: "list files" }));
    const names = res.messages.map((m) => m.event);
    expect(names).toContain("tool_start");
    expect(res.messages.find((m) => m.event === "tool_start")?.data).toMatch(/list_dir$/);
    expect(tokensOf(res.messages)).toContain("notes.txt");
    expect(names.at(-1)).toBe("done");
  });
});
