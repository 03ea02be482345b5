/**
 * Logs under failure, from real processes: every stderr line is one JSON object (a log pipeline never meets a
 * stack trace), a Redis outage is a few state lines rather than a stack per retry, a failed turn's cause is
 * logged, and a start that cannot listen is one line and exit 1.
 */
import { exitOf, freePort, readSse, startRedis } from "@acb/testkit";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { post } from "./scenarios.js";
import { testGateway } from "./fixtures.js";
import { CLEAN_ENV, FILESERVER, GATEWAY, makeFilesRoot, RUNNER } from "./stack.js";

/** Every line parsed as JSON (a line that is not fails the test, naming it). */
function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${l}`);
      }
    });
}

/**
 * Runs a process until it exits, or until `ms` have passed (then SIGTERM) from the moment its output first contains
 * `windowFrom` (from the start when not given; at most 30 s later on a slow box); its exit code and all it wrote.
 */
function run(
  args: string[],
  env: Record<string, string | undefined>,
  ms: number,
  windowFrom?: string,
): Promise<{ code: number | null; output: string }> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...CLEAN_ENV, ...env })) if (v !== undefined) merged[k] = v;
  const child = spawn(process.execPath, args, { env: merged, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let timer: NodeJS.Timeout | undefined;
  const openWindow = (): void => {
    timer ??= setTimeout(() => child.kill("SIGTERM"), ms);
  };
  const latest = setTimeout(openWindow, 30_000);
  if (windowFrom === undefined) openWindow();
  const append = (b: Buffer): void => {
    output += b.toString();
    if (windowFrom !== undefined && output.includes(windowFrom)) openWindow();
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  return exitOf(child).then(({ code }) => {
    clearTimeout(timer);
    clearTimeout(latest);
    return { code, output };
  });
}

async function occupiedPort(): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
  return { port, close: () => new Promise((r) => blocker.close(() => r())) };
}

describe("Redis down", () => {
  it("gateway and runner: every line is JSON, the outage is a few state lines with the error code, no stacks", async () => {
    const nobody = await freePort(); // nothing listens here
    const redisUrl = `redis://127.0.0.1:${nobody}`;
    // Five seconds from the first outage line: a loaded box may take longer than that just to start the process.
    const outage = "redis down: reconnecting";
    const [gateway, runner] = await Promise.all([
      run(
        [GATEWAY],
        { REDIS_URL: redisUrl, HOST: "127.0.0.1", PORT: String(await freePort()), LOG_LEVEL: "debug" },
        5_000,
        outage,
      ),
      run(
        [RUNNER],
        { REDIS_URL: redisUrl, METRICS_PORT: "0", LOG_LEVEL: "debug", MCP_SERVER_URL: "http://127.0.0.1:1/mcp" },
        5_000,
        outage,
      ),
    ]);
    for (const [name, out] of [
      ["gateway", gateway.output],
      ["runner", runner.output],
    ] as const) {
      const lines = jsonLines(out);
      const down = lines.filter((l) => l.msg === outage);
      expect(down.length, `${name} says Redis is down`).toBeGreaterThan(0);
      for (const l of down) expect(l).toMatchObject({ level: "warn", code: "ECONNREFUSED" });
      // Five seconds of ioredis retrying (every ~50-2000 ms) on each connection: a line per state change, not per retry.
      expect(down.length, `${name}: ${down.length} lines`).toBeLessThanOrEqual(6);
      expect(out).not.toMatch(/\n\s+at /); // no stack frames
    }
  });
});

describe("a failed turn's cause", () => {
  it("an unreachable model provider: the request line at info and one 'turn failed' line with the error classes and code", async () => {
    const gw = await testGateway({
      OPENAI_BASE_URL: "http://127.0.0.1:1/v1",
      OPENAI_API_KEY: "sk-never-in-logs",
      MODEL_MAX_RETRIES: "0",
      USE_MCP_IN_CHAT: "false",
      LOG_LEVEL: "info",
      MCP_SERVER_URL: "http://127.0.0.1:1/mcp",
    });
    const res = await readSse(
      `${gw.url}/v1/chat/stream`,
      post({ session_id: "unreachable", input: "a private question" }),
    );
    expect(res.messages.map((m) => m.event)).toEqual(["error", "done"]);
    await new Promise((r) => setTimeout(r, 200));
    const lines = jsonLines(gw.process.output());
    const failed = lines.filter((l) => l.msg === "turn failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      level: "warn",
      code: "upstream",
      error_kind: "upstream",
      error_class: expect.stringMatching(/^TurnFailedError < ModelError < /),
    });
    const request = lines.find((l) => l.msg === "request" && l.route === "/v1/chat/stream");
    expect(request).toMatchObject({ level: "info", method: "POST", status: 200, turn_id: expect.any(String) });
    expect(gw.process.output()).not.toContain("sk-never-in-logs");
    expect(gw.process.output()).not.toContain("a private question");
  });
});

describe("a port in use", () => {
  it("the gateway: one JSON line naming the port and EADDRINUSE, exit 1", async () => {
    const busy = await occupiedPort();
    onTestFinished(() => busy.close());
    const { code, output } = await run(
      [GATEWAY],
      { HOST: "127.0.0.1", PORT: String(busy.port), LOG_LEVEL: "info", MCP_SERVER_URL: "http://127.0.0.1:1/mcp" },
      20_000,
    );
    expect(code).toBe(1);
    const errors = jsonLines(output).filter((l) => l.level === "error");
    expect(errors).toEqual([
      expect.objectContaining({
        msg: `cannot listen: port ${busy.port} is already in use`,
        code: "EADDRINUSE",
        port: busy.port,
      }),
    ]);
  });

  it("the file server (HTTP): one JSON line naming the port and EADDRINUSE, exit 1", async () => {
    const busy = await occupiedPort();
    onTestFinished(() => busy.close());
    const { code, output } = await run(
      [
        FILESERVER,
        "--root",
        makeFilesRoot(),
        "--transport",
        "http",
        "--port",
        String(busy.port),
        "--host",
        "127.0.0.1",
      ],
      { LOG_LEVEL: "info" },
      20_000,
    );
    expect(code).toBe(1);
    const errors = jsonLines(output).filter((l) => l.level === "error");
    expect(errors).toEqual([expect.objectContaining({ code: "EADDRINUSE", port: busy.port })]);
  });
});

describe("the distributed gateway's readiness", () => {
  it("reports no model (the runners call models, not the gateway)", async () => {
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    const gw = await testGateway({
      REDIS_URL: redis.url,
      OPENAI_API_KEY: "sk-x",
      CHAT_MODEL_ID: "some-model",
      LOG_LEVEL: "info",
    });
    const body = (await (await fetch(`${gw.url}/readiness`)).json()) as { checks: Record<string, unknown> };
    expect(Object.keys(body.checks)).not.toContain("model");
    expect(JSON.stringify(body)).not.toMatch(/offline demo model|some-model/);
    const listening = jsonLines(gw.process.output()).find((l) => l.msg === "listening");
    expect(listening).toBeDefined();
    expect(listening).not.toHaveProperty("model");
  });
});
