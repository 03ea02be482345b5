import { freePort, startRedis, startService, type PrivateRedis, type ServiceProcess } from "@acb/testkit";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
// No model key, no MCP server reachable: the runner must still be alive and ready (tools are optional).
const ENV = {
  OPENAI_API_KEY: undefined,
  OPENAI_BASE_URL: undefined,
  MODEL_PROVIDER: undefined,
  MCP_SERVERS: undefined,
  MCP_SERVER_URL: "http://127.0.0.1:1/mcp",
  LOG_LEVEL: "info",
  RUNNER_SHUTDOWN_GRACE_MS: "1000",
};

// One Redis for the file (each runner has its own probe port).
let redis: PrivateRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function startRunner(port: number, o: { waitReady: boolean }): Promise<ServiceProcess> {
  return await startService(process.execPath, [MAIN], {
    name: "agent-runner",
    env: { ...ENV, REDIS_URL: redis.url, METRICS_PORT: String(port), HOST: "127.0.0.1" },
    ...(o.waitReady ? { ready: (out: () => string) => out().includes('"msg":"ready"'), readyTimeoutMs: 60_000 } : {}),
  });
}

describe("a probe port already taken", () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
  });
  afterAll(async () => {
    await new Promise((r) => blocker.close(r));
  });

  it("stops the runner: one JSON line naming the port, METRICS_PORT and EADDRINUSE, exit 1", async () => {
    // A runner its orchestrator cannot probe or scrape is invisible: it fails its start instead (issue 11).
    const runner = await startRunner(port, { waitReady: false });
    expect(await runner.exited).toBe(1);
    const lines = runner.output().trim().split("\n");
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const errors = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "EADDRINUSE", port });
    expect(JSON.stringify(errors[0])).toContain("METRICS_PORT");
  });
});

// Last in the file: its last test stops the shared Redis.
describe("the runner's probe listener (METRICS_PORT)", () => {
  let runner: ServiceProcess;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    runner = await startRunner(port, { waitReady: true });
  });
  afterAll(async () => {
    await runner?.stop(5_000);
  });

  it("answers /healthz and says ready on /readiness and /readyz once the worker takes turns", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    for (const path of ["/readiness", "/readyz"]) {
      const ready = await fetch(`${base}${path}`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: "ready",
        checks: { redis: { ok: true }, worker: { ok: true, detail: "taking turns" } },
      });
    }
  });

  it("unknown paths get a JSON 404 and other methods a 405, without leaking anything", async () => {
    const missing = await fetch(`${base}/../../etc/passwd`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "not_found", message: "not found" } });
    const post = await fetch(`${base}/readiness`, { method: "POST", body: "x".repeat(100_000) });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("says not ready (503, naming redis) while Redis is down, and the process stays alive", async () => {
    await redis.stop();
    let body: unknown;
    for (let i = 0; i < 50; i++) {
      const r = await fetch(`${base}/readiness`);
      if (r.status === 503) {
        body = await r.json();
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(body).toMatchObject({ status: "not_ready", checks: { redis: { ok: false } } });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(runner.child.exitCode).toBeNull();
  });
});
