import { ErrorBody } from "@acb/schemas";
import { readSse } from "@acb/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ListeningGateway, NO_TOOL_SERVERS, startInProcessGateway } from "./harness.js";

let gw: ListeningGateway;
beforeAll(async () => {
  // The offline model and no tool servers: hostile input must be refused before any model or tool is involved anyway.
  gw = await startInProcessGateway({ MODEL_PROVIDER: "offline", ...NO_TOOL_SERVERS });
});
afterAll(async () => {
  await gw?.stop();
});

type Endpoint = "/v1/chat" | "/v1/chat/stream" | "/v1/agent/chat/stream";
const ALL: Endpoint[] = ["/v1/chat", "/v1/chat/stream", "/v1/agent/chat/stream"];
const SEED: Endpoint[] = ["/v1/chat", "/v1/chat/stream"];

interface Case {
  readonly name: string;
  readonly body: string | Uint8Array;
  readonly contentType?: string | null;
  readonly status: number;
  /** The field the error must name (details[].field). */
  readonly field?: string;
  readonly endpoints?: Endpoint[];
}

const ok = { session_id: "hostile", input: "hi" };
const j = (v: unknown): string => JSON.stringify(v);

const CASES: Case[] = [
  { name: "malformed JSON", body: "{", status: 400 },
  { name: "trailing garbage", body: `${j(ok)}xyz`, status: 400 },
  { name: "a JSON array", body: "[]", status: 400, field: "(body)" },
  { name: "a JSON string", body: '"hi"', status: 400, field: "(body)" },
  { name: "JSON null", body: "null", status: 400, field: "(body)" },
  { name: "empty body", body: "", status: 400 },
  { name: "missing session_id", body: j({ input: "hi" }), status: 400, field: "session_id", endpoints: SEED },
  { name: "missing input", body: j({ session_id: "s" }), status: 400, field: "input" },
  { name: "session_id as a number", body: j({ ...ok, session_id: 42 }), status: 400, field: "session_id" },
  { name: "empty session_id", body: j({ ...ok, session_id: "" }), status: 400, field: "session_id" },
  { name: "129-char session_id", body: j({ ...ok, session_id: "a".repeat(129) }), status: 400, field: "session_id" },
  { name: "session_id with a space", body: j({ ...ok, session_id: "a b" }), status: 400, field: "session_id" },
  { name: "session_id with a newline", body: j({ ...ok, session_id: "a\nb" }), status: 400, field: "session_id" },
  { name: "session_id with a Redis hash tag", body: j({ ...ok, session_id: "{x}" }), status: 400, field: "session_id" },
  {
    name: "session_id path traversal",
    body: j({ ...ok, session_id: "../../etc/passwd" }),
    status: 400,
    field: "session_id",
  },
  { name: "empty input", body: j({ ...ok, input: "" }), status: 400, field: "input" },
  { name: "input over 32,000 chars", body: j({ ...ok, input: "x".repeat(32_001) }), status: 400, field: "input" },
  { name: "input as an object", body: j({ ...ok, input: { $gt: "" } }), status: 400, field: "input" },
  { name: "stream as a string", body: j({ ...ok, stream: "yes" }), status: 400, field: "stream", endpoints: SEED },
  { name: "temperature below 0", body: j({ ...ok, temperature: -0.1 }), status: 400, field: "temperature" },
  { name: "temperature above 2", body: j({ ...ok, temperature: 2.5 }), status: 400, field: "temperature" },
  { name: "temperature as a string", body: j({ ...ok, temperature: "hot" }), status: 400, field: "temperature" },
  {
    name: "temperature NaN-ish (1e999 = Infinity)",
    body: `{"session_id":"s","input":"hi","temperature":1e999}`,
    status: 400,
    field: "temperature",
  },
  { name: "model with a newline", body: j({ ...ok, model: "gpt\nx" }), status: 400, field: "model" },
  { name: "model over 128 chars", body: j({ ...ok, model: "m".repeat(129) }), status: 400, field: "model" },
  { name: "an unknown field", body: j({ ...ok, role: "system" }), status: 400, field: "role" },
  {
    name: "__proto__ pollution",
    body: `{"session_id":"s","input":"hi","__proto__":{"admin":true}}`,
    status: 400,
    field: "__proto__",
  },
  { name: "text/plain content type", body: j(ok), contentType: "text/plain", status: 415 },
  { name: "no content type", body: j(ok), contentType: null, status: 415 },
  {
    name: "form content type",
    body: "session_id=s&input=hi",
    contentType: "application/x-www-form-urlencoded",
    status: 415,
  },
  { name: "a body over 256 KiB", body: j({ ...ok, input: "x".repeat(300 * 1024) }), status: 413 },
  {
    name: "invalid UTF-8",
    body: new Uint8Array([0x7b, 0x22, 0x69, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    status: 400,
  },
  { name: "deeply nested JSON", body: `${"[".repeat(100_000)}${"]".repeat(100_000)}`, status: 400 },
];

function assertSafe(text: string): void {
  for (const leak of ["    at ", "/work/", "/home/", "/root/", "node_modules", "Error:"])
    expect(text).not.toContain(leak);
}

describe(`hostile input corpus (${CASES.length} cases × endpoints)`, () => {
  for (const c of CASES) {
    for (const endpoint of c.endpoints ?? ALL) {
      it(`${endpoint}: ${c.name} → ${c.status}`, async () => {
        const headers: Record<string, string> = { accept: "text/event-stream" };
        if (c.contentType !== null) headers["content-type"] = c.contentType ?? "application/json";
        // In-process (hono's app.request): the whole middleware and route stack, no socket.
        const res = await gw.app.request(endpoint, { method: "POST", headers, body: c.body });
        const text = await res.text();
        expect(res.status).toBe(c.status);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        const parsed = ErrorBody.parse(JSON.parse(text));
        expect(parsed.error.message.length).toBeGreaterThan(0);
        if (c.field) expect(parsed.error.details?.map((d) => d.field)).toContain(c.field);
        assertSafe(text);
      });
    }
  }

  it("unknown routes and wrong methods get a JSON 404", async () => {
    for (const [method, path] of [
      ["GET", "/v1/chat"],
      ["DELETE", "/v1/chat/stream"],
      ["GET", "/v1/../../etc/passwd"],
      ["GET", "/nope"],
    ] as const) {
      const res = await gw.app.request(path, { method });
      expect(res.status).toBe(404);
      ErrorBody.parse(await res.json());
    }
  });

  it("after the whole corpus the gateway is alive and still answers correctly", async () => {
    expect((await gw.app.request("/healthz")).status).toBe(200);
    // Over the listening socket too: the server survived the corpus, not only the app.
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const res = await readSse(`${gw.url}/v1/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: j({ session_id: "after", input: "hello" }),
    });
    expect(res.messages.at(-1)).toMatchObject({ event: "done", data: "after" });
    expect(gw.server.listening).toBe(true);
  });
});

describe("hostile WebSocket messages", () => {
  const WS_CASES: Array<{ name: string; send: string | Buffer; match: RegExp }> = [
    { name: "not JSON", send: "{oops", match: /not valid JSON/ },
    { name: "a binary frame", send: Buffer.from([1, 2, 3]), match: /text frames/ },
    { name: "a JSON array", send: "[1,2]", match: /invalid message/ },
    { name: "missing input", send: j({ session_id: "s" }), match: /input/ },
    { name: "bad session_id", send: j({ session_id: "a b", input: "x" }), match: /session_id/ },
    { name: "input too long", send: j({ session_id: "s", input: "x".repeat(32_001) }), match: /input/ },
    {
      name: "temperature out of range",
      send: j({ session_id: "s", input: "x", temperature: 9 }),
      match: /temperature/,
    },
    { name: "over the size limit", send: j({ session_id: "s", input: "x".repeat(300 * 1024) }), match: /larger than/ },
    { name: "unknown field", send: j({ session_id: "s", input: "x", evil: 1 }), match: /evil/ },
  ];

  it(`each of ${WS_CASES.length} bad messages gets an error frame and the socket stays usable`, async () => {
    const ws = new WebSocket(`${gw.url.replace("http", "ws")}/ws/chat`);
    await new Promise((r, e) => {
      ws.once("open", r);
      ws.once("error", e);
    });
    const frames: Array<{ event: string; data?: string }> = [];
    let wake: (() => void) | undefined;
    ws.on("message", (raw) => {
      frames.push(JSON.parse(String(raw)) as { event: string; data?: string });
      wake?.();
    });
    const nextFrame = async (): Promise<{ event: string; data?: string }> => {
      const at = frames.length;
      while (frames.length <= at) await new Promise<void>((r) => (wake = r));
      return frames[at] as { event: string; data?: string };
    };
    for (const c of WS_CASES) {
      const frame = nextFrame();
      ws.send(c.send);
      const got = await frame;
      expect(got.event, c.name).toBe("error");
      expect(got.data, c.name).toMatch(c.match);
      assertSafe(got.data ?? "");
    }
    const until = frames.length;
    ws.send(j({ session_id: "ws-after", input: "hello" }));
    while (!frames.slice(until).some((f) => f.event === "done")) await nextFrame();
    expect(frames.slice(until).some((f) => f.event === "token")).toBe(true);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
