// Issue 14: "a paused reader with a 5 MB answer (gateway RSS bounded)". Real processes: a private Redis, a runner
// streaming a 20 MB answer (see CHUNKS) from the scripted upstream, and the gateway started with `--expose-gc` and a heap probe.
// A client reads the first bytes and stops reading (the socket stays open) until the whole turn is in the event
// log; the gateway must hold well under the answer's size meanwhile (the answer waits in Redis, not in the
// gateway), and the client must then get all of it, exactly once and in order.
import { freePort, startService, type ServiceProcess } from "@acb/testkit";
import { Redis } from "ioredis";
import { request, type IncomingMessage } from "node:http";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { useBackend } from "./fixtures.js";
import { GATEWAY, startRunner } from "./stack.js";

const HEAP_PROBE = fileURLToPath(new URL("./fixtures/heap-probe.mjs", import.meta.url));
/**
 * 20,000 chunks of 1,000 characters, each starting with its number: any loss, repeat or reordering shows. 20 MB, not
 * the 5: on loopback the kernel's socket buffers alone take ~4.5 MB from a reader that stopped reading (the
 * gateway's send buffer grows to tcp_wmem's 4 MB), so a 5 MB answer passes with the back-pressure removed too.
 */
const CHUNKS = Array.from({ length: 20_000 }, (_, i) => `<${String(i).padStart(5, "0")}>`.padEnd(1_000, "x"));
const ANSWER = CHUNKS.join("");
const MB = 1024 * 1024;
/** What the gateway may hold for one paused reader: 64 KiB of SSE queue plus 256 log entries, with room for noise. */
const BOUND = 2 * MB;

// "big" answers the 20 MB text; anything else a short echo (the warm-up).
const backend = useBackend((req) => {
  const last = req.body.messages.at(-1);
  return last?.content === "big" ? { kind: "text", chunks: CHUNKS } : { kind: "text", chunks: ["warm ", "up"] };
});
let commands: Redis;
let runner: ServiceProcess;
let gateway: ServiceProcess;
let base: string;
let probe: string;

beforeAll(async () => {
  commands = new Redis(backend.redis.url);
  // The log must keep every entry of the answer for the reader to catch up with.
  const common = {
    ...backend.env,
    OPENAI_API_KEY: "sk-test",
    CHAT_MODEL_ID: "gpt-4o-mini",
    TURN_EVENTS_MAXLEN: "1000000",
    TURN_TIMEOUT_MS: "60000",
    MCP_SERVER_URL: "http://127.0.0.1:9/mcp",
    USE_MCP_IN_CHAT: "false",
  };
  runner = await startRunner(common);
  const [port, probePort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  probe = `http://127.0.0.1:${probePort}/`;
  gateway = await startService(process.execPath, ["--expose-gc", "--import", HEAP_PROBE, GATEWAY], {
    name: "chat-gateway",
    env: {
      ...common,
      MODEL_PROVIDER: undefined,
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: String(port),
      HEAP_PROBE_PORT: String(probePort),
    },
    ready: async () => (await fetch(`${base}/healthz`)).ok && (await fetch(probe)).ok,
  });
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), runner?.stop()]);
  commands?.disconnect();
});

/** The gateway's JS heap plus its ArrayBuffers (encoded frames waiting in a stream queue live there), after GC. */
async function held(): Promise<number> {
  const m = (await (await fetch(probe)).json()) as { heapUsed: number; arrayBuffers: number };
  return m.heapUsed + m.arrayBuffers;
}

/** Resolves once the turn's `done` is in the event log (the append script marks the turn ended). */
const ended = (turnId: string) =>
  expect.poll(async () => commands.exists(`acb:turn:{${turnId}}:ended`), { timeout: 60_000, interval: 100 }).toBe(1);

/** The token text of a seed SSE body (`event: token` / `data: …` frames), and its last event. */
function tokens(sse: string): { text: string; last: string | undefined } {
  let text = "";
  let last: string | undefined;
  for (const block of sse.split("\n\n")) {
    const lines = block.split("\n");
    const event = lines
      .find((l) => l.startsWith("event:"))
      ?.slice(6)
      .trim();
    if (event === undefined) continue;
    last = event;
    if (event === "token")
      text += lines
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, ""))
        .join("\n");
  }
  return { text, last };
}

/** POST /v1/chat/stream; resolves with the response once its first bytes are in, and pauses it there. */
function openPaused(input: string): Promise<{ res: IncomingMessage; received: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/v1/chat/stream`,
      { method: "POST", headers: { "content-type": "application/json" } },
      (res) => {
        const received: Buffer[] = [];
        res.on("data", (b: Buffer) => received.push(b));
        res.once("data", () => {
          res.pause();
          resolve({ res, received });
        });
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    req.end(JSON.stringify({ session_id: `bp-${Math.random().toString(36).slice(2)}`, input }));
  });
}

const readToEnd = (res: IncomingMessage, received: Buffer[]): Promise<string> =>
  new Promise((resolve, reject) => {
    res.once("end", () => resolve(Buffer.concat(received).toString("utf8")));
    res.once("error", reject);
    res.resume();
  });

describe("a paused reader of a 20 MB answer", () => {
  it("SSE: the gateway holds well under the answer while the reader is paused; then the whole answer arrives once, in order", async () => {
    // Warm-up, and the reader that does not pause: one such answer read at full speed. What the first large answer
    // grows once (compiled code, parser buffers, heap pages) is then in the baseline, not in the paused reader's figure.
    const warm = await openPaused("big");
    const read = tokens(await readToEnd(warm.res, warm.received));
    expect(read.last).toBe("done");
    expect(read.text === ANSWER).toBe(true);
    const before = await held();

    const { res, received } = await openPaused("big");
    const turnId = String(res.headers["x-turn-id"]);
    await ended(turnId);
    const during = await held();
    const growth = during - before;
    console.log(
      `SSE paused reader: gateway heap+arrayBuffers ${(before / MB).toFixed(2)} MB → ${(during / MB).toFixed(2)} MB (+${(growth / MB).toFixed(2)} MB) with a ${(ANSWER.length / MB).toFixed(2)} MB answer in the log; client had ${(received.reduce((n, b) => n + b.length, 0) / 1024).toFixed(0)} KiB`,
    );
    expect(growth).toBeLessThan(BOUND);

    const { text, last } = tokens(await readToEnd(res, received));
    expect(last).toBe("done");
    expect(text.length).toBe(ANSWER.length);
    expect(text === ANSWER).toBe(true);
  });

  it("WebSocket: the same, with the socket paused", async () => {
    const before = await held();
    const ws = new WebSocket(`${base.replace("http", "ws")}/ws/chat`);
    const frames: Array<{ event: string; data: string; turn_id?: string }> = [];
    let first!: () => void;
    const gotFirst = new Promise<void>((r) => (first = r));
    ws.on("message", (d) => {
      frames.push(JSON.parse(String(d)) as { event: string; data: string });
      first();
    });
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ session_id: "bp-ws", input: "big" }));
    await gotFirst;
    ws.pause();
    const turnId = frames[0]?.turn_id;
    expect(turnId).toBeDefined();
    await ended(String(turnId));
    const during = await held();
    const growth = during - before;
    console.log(
      `WS paused reader: gateway heap+arrayBuffers ${(before / MB).toFixed(2)} MB → ${(during / MB).toFixed(2)} MB (+${(growth / MB).toFixed(2)} MB); client had ${frames.length} frames`,
    );
    expect(growth).toBeLessThan(BOUND);

    ws.resume();
    await expect.poll(() => frames.at(-1)?.event, { timeout: 60_000 }).toBe("done");
    const text = frames
      .filter((f) => f.event === "token")
      .map((f) => f.data)
      .join("");
    expect(text.length).toBe(ANSWER.length);
    expect(text === ANSWER).toBe(true);
    ws.close();
  });
});
