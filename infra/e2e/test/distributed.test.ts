import { readSse, streamSse } from "@acb/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectMemorySharedAcrossGateways, expectResumeAcrossGateways, post, settledReadiness } from "./scenarios.js";
import { pipelineScript } from "./script.js";
import { useBackend, useFileServer } from "./fixtures.js";
import { replicaSet } from "./stack.js";

const backend = useBackend(pipelineScript);
const files = useFileServer();
const { gateways, start, stop } = replicaSet();
let admin: Redis;

beforeAll(async () => {
  const runner = { ...backend.env, RUNNER_CONCURRENCY: "100", MCP_SERVER_URL: files.server.url };
  // Hundreds of streams open in one burst on a small box: a command can wait its turn behind thousands for more
  // than the default 1.5 s (then a 503). This file is about fan-out and connections, not failing fast.
  await start([{ ...runner, MCP_TRANSPORT: "streamable_http" }, runner], {
    ...backend.env,
    REDIS_COMMAND_TIMEOUT_MS: "10000",
  });
  admin = new Redis(backend.redis.url);
});

afterAll(async () => {
  admin?.disconnect();
  await stop();
});

describe("distributed pipeline: 2 gateways, 2 runners, Redis, the file server over HTTP", () => {
  it("is ready: Redis, runners and MCP reported by /readiness", async () => {
    const { status, body } = await settledReadiness(gateways[0]?.url ?? "", (r) => r.body.checks.mcp?.ok === true);
    expect(status).toBe(200);
    expect(body.mode).toBe("distributed");
    expect(body.checks.redis?.ok).toBe(true);
    expect(body.checks.runners?.detail).toMatch(/^2 runner/);
    expect(body.checks.mcp?.ok).toBe(true);
  });

  it("many concurrent turns across both gateways each get their own whole answer, in order", async () => {
    const n = 60;
    const results = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const gw = gateways[i % 2];
        const input = `turn ${i} alpha beta gamma delta ${i}`;
        const res = await readSse(`${gw?.url}/v1/chat/stream`, post({ session_id: `many-${i}`, input }));
        return { i, input, res };
      }),
    );
    for (const { i, input, res } of results) {
      const tokens = res.messages.filter((m) => m.event === "token").map((m) => m.data);
      expect(tokens.join(""), `turn ${i}`).toBe(`echo: ${input}`);
      expect(res.messages.at(-1)).toMatchObject({ event: "done", data: `many-${i}` });
      expect(res.messages.filter((m) => m.event === "done")).toHaveLength(1);
    }
  });

  it("shares memory across replicas: a session started on one gateway continues on the other", async () => {
    await expectMemorySharedAcrossGateways(gateways[0]?.url ?? "", gateways[1]?.url ?? "", backend.upstream);
  });

  it("agent stream: tool_start/tool_end carry the tool name, the file server's answer reaches the model, done carries a generated session id", async () => {
    const res = await readSse(`${gateways[1]?.url}/v1/agent/chat/stream`, post({ input: "list files please" }));
    const events = res.messages.map((m) => m.event);
    expect(events).toContain("tool_start");
    expect(res.messages.find((m) => m.event === "tool_start")?.data).toBe("list_dir");
    expect(res.messages.find((m) => m.event === "tool_end")?.data).toBe("list_dir");
    expect(events.indexOf("tool_start")).toBeLessThan(events.indexOf("tool_end"));
    const text = res.messages
      .filter((m) => m.event === "token")
      .map((m) => m.data)
      .join("");
    expect(text).toContain("notes.txt");
    const done = res.messages.at(-1);
    expect(done?.event).toBe("done");
    expect(done?.data).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("x-session-id")).toBe(done?.data);
  });

  it("resumes on another gateway with Last-Event-ID: exactly the missing events, none twice", async () => {
    await expectResumeAcrossGateways(gateways[0]?.url ?? "", gateways[1]?.url ?? "");
  });

  it("holds hundreds of open streams without growing the gateway's Redis connections", async () => {
    const gw = gateways[0];
    const gwPid = gw?.process.child.pid;
    const count = async (): Promise<number> =>
      String(await admin.client("LIST"))
        .split("\n")
        .filter((l) => l.includes(`name=acb-gateway:${gwPid}`)).length;
    const before = await count();
    const n = 300;
    const controllers = Array.from({ length: n }, () => new AbortController());
    const opened = await Promise.all(
      controllers.map((ac, i) =>
        fetch(`${gw?.url}/v1/chat/stream`, {
          ...post({ session_id: `open-${i}`, input: "slow:300:a b c d e f g h" }),
          signal: ac.signal,
        }),
      ),
    );
    expect(opened.every((r) => r.status === 200)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const during = await count();
    // At most the one fan-out subscriber is added, however many streams are open.
    expect(during - before).toBeLessThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(4);
    const finished = await Promise.all(
      opened.map(async (res) => {
        let tokens = "";
        let done = false;
        for await (const m of streamSse(res)) {
          if (m.event === "token") tokens += m.data;
          if (m.event === "done") done = true;
        }
        return done && tokens === "a b c d e f g h";
      }),
    );
    expect(finished.filter(Boolean).length).toBe(n);
    expect(await count()).toBeLessThanOrEqual(during);
  });
});
