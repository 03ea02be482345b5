import { describe, expect, it } from "vitest";
import { AgentChatRequest, ChatRequest, WsChatMessage } from "./chat.js";
import { envBool, envInt, HistoryEnv, ModelEnv, parseEnv } from "./config.js";
import { describeInvalid, detailsFromZod, ErrorBody, errorBody } from "./errors.js";
import { TurnEvent } from "./events.js";
import { formatSse, SseParser, type SseMessage } from "./sse.js";
import { WIRE_TURN_JOB } from "./test/turn-job.js";
import { TurnJob } from "./turns.js";
import { z } from "zod";

describe("ChatRequest (the seed's contract)", () => {
  it("accepts the seed's examples and fills stream=false", () => {
    expect(ChatRequest.parse({ session_id: "demo", input: "Hello" })).toEqual({
      session_id: "demo",
      input: "Hello",
      stream: false,
    });
    expect(
      ChatRequest.parse({ session_id: "a.b_c:d-1", input: "x", stream: true, model: "gpt-4o-mini", temperature: 0 })
        .stream,
    ).toBe(true);
    expect(ChatRequest.parse({ session_id: "s", input: "x", model: null, temperature: null }).model).toBeNull();
  });

  it.each([
    [{ session_id: "", input: "x" }, "session_id"],
    [{ session_id: "a".repeat(129), input: "x" }, "session_id"],
    [{ session_id: "a/b", input: "x" }, "session_id"],
    [{ session_id: "s", input: "" }, "input"],
    [{ session_id: "s", input: "x".repeat(32_001) }, "input"],
    [{ session_id: "s", input: "x", temperature: 2.01 }, "temperature"],
    [{ session_id: "s", input: "x", temperature: -1 }, "temperature"],
    [{ session_id: "s", input: "x", stream: 1 }, "stream"],
    [{ session_id: "s", input: "x", extra: 1 }, "extra"],
    [{ input: "x" }, "session_id"],
  ])("refuses %j naming %s", (body, field) => {
    const r = ChatRequest.safeParse(body);
    expect(r.success).toBe(false);
    if (!r.success) expect(detailsFromZod(r.error).map((d) => d.field)).toContain(field);
  });

  it("accepts the boundaries: 128-char session id, 32,000-char input, temperature 0 and 2", () => {
    expect(
      ChatRequest.safeParse({ session_id: "a".repeat(128), input: "x".repeat(32_000), temperature: 2 }).success,
    ).toBe(true);
    expect(ChatRequest.safeParse({ session_id: "a", input: "x", temperature: 0 }).success).toBe(true);
  });

  it("the agent request makes session_id optional; the WebSocket message requires it", () => {
    expect(AgentChatRequest.safeParse({ input: "x" }).success).toBe(true);
    expect(WsChatMessage.safeParse({ input: "x" }).success).toBe(false);
  });

  it("names a missing field as required", () => {
    const r = ChatRequest.safeParse({ session_id: "s" });
    expect(r.success).toBe(false);
    if (!r.success) expect(describeInvalid(detailsFromZod(r.error))).toBe("input is required");
  });
});

describe("events, jobs and errors", () => {
  it("turn events are the seed's names", () => {
    for (const e of ["token", "tool_start", "tool_end", "error", "done"])
      expect(TurnEvent.safeParse({ event: e, data: "x" }).success).toBe(true);
    expect(TurnEvent.safeParse({ event: "final", data: "x" }).success).toBe(false);
    expect(TurnEvent.safeParse({ event: "error", data: "x", code: "bogus" }).success).toBe(false);
  });

  it("turn jobs validate ids and the version", () => {
    expect(TurnJob.safeParse(WIRE_TURN_JOB).success).toBe(true);
    expect(TurnJob.safeParse({ ...WIRE_TURN_JOB, v: 2 }).success).toBe(false);
    expect(TurnJob.safeParse({ ...WIRE_TURN_JOB, turn_id: "../x" }).success).toBe(false);
    expect(TurnJob.safeParse({ ...WIRE_TURN_JOB, mode: "shell" }).success).toBe(false);
  });

  it("a turn job's history_max_bytes is a byte count no larger than HISTORY_MAX_BYTES allows", () => {
    for (const history_max_bytes of [0, 1, 4096, 512 * 1024 * 1024])
      expect(TurnJob.parse({ ...WIRE_TURN_JOB, history_max_bytes }).history_max_bytes).toBe(history_max_bytes);
    for (const history_max_bytes of [-1, 1.5, 512 * 1024 * 1024 + 1, "4096", null])
      expect(TurnJob.safeParse({ ...WIRE_TURN_JOB, history_max_bytes }).success).toBe(false);
  });

  it("a turn job's trace accepts a W3C traceparent and refuses anything else", () => {
    expect(
      TurnJob.safeParse({
        ...WIRE_TURN_JOB,
        trace: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
      }).success,
    ).toBe(true);
    for (const traceparent of ["", "00-xyz", `00-${"0".repeat(32)}-${"0".repeat(16)}-01\nx`, "x".repeat(10_000)]) {
      expect(TurnJob.safeParse({ ...WIRE_TURN_JOB, trace: { traceparent } }).success).toBe(false);
    }
  });

  it("the error body has code, message and optional details", () => {
    expect(ErrorBody.parse(errorBody("bad_request", "m", [{ field: "f", message: "x" }]))).toEqual({
      error: { code: "bad_request", message: "m", details: [{ field: "f", message: "x" }] },
    });
    expect(errorBody("not_found", "m")).toEqual({ error: { code: "not_found", message: "m" } });
  });
});

describe("SSE framing: formatSse ∘ SseParser is the identity", () => {
  const cases: SseMessage[] = [
    { id: "1-0", event: "token", data: "hello" },
    { id: "1-1", event: "token", data: "line1\nline2" },
    { id: "1-2", event: "token", data: "\n\n" },
    { id: "1-3", event: "token", data: "" },
    { id: "1-4", event: "token", data: " leading space" },
    { id: "1-5", event: "token", data: "data: looks like a field\nevent: fake" },
    { id: "1-6", event: "token", data: "émoji 🌍 and ∑" },
    { id: "1-7", event: "done", data: "session-1" },
  ];

  it("round-trips every message, even split at every byte boundary", () => {
    const text = cases.map(formatSse).join("");
    for (const step of [1, 2, 3, 7, text.length]) {
      const parser = new SseParser();
      const out: SseMessage[] = [];
      for (let i = 0; i < text.length; i += step) out.push(...parser.feed(text.slice(i, i + step)));
      expect(out).toEqual(cases);
    }
  });

  it("turns \\r and \\r\\n into line breaks, never into an early end of event", () => {
    const parser = new SseParser();
    expect(parser.feed(formatSse({ event: "token", data: "a\r\nb\rc" }))).toEqual([
      { event: "token", data: "a\nb\nc" },
    ]);
  });

  it("strips line breaks from ids and event names so they cannot inject fields", () => {
    expect(formatSse({ id: "1\ndata: x", event: "tok\nen", data: "d" })).toBe(
      "id: 1data: x\nevent: token\ndata: d\n\n",
    );
  });

  it("counts comments (heartbeats) and ignores them", () => {
    const parser = new SseParser();
    expect(parser.feed(": ping\n\n: ping\n\n")).toEqual([]);
    expect(parser.comments).toBe(2);
  });
});

describe("env parsing", () => {
  it("applies defaults and coerces", () => {
    const r = parseEnv(ModelEnv.extend(HistoryEnv.shape), {});
    expect(r.ok && r.value.CHAT_MODEL_ID).toBe("gpt-4o-mini");
    expect(r.ok && r.value.MODEL_TIMEOUT_MS).toBe(60_000);
    expect(r.ok && r.value.HISTORY_MAX_MESSAGES).toBe(200);
  });

  it("fails with one line naming the variable, and never echoes a secret", () => {
    const schema = z.object({
      PORT: envInt(8000, 1, 65_535),
      FLAG: envBool(true),
      OPENAI_API_KEY: z.string().min(100),
    });
    const bad = parseEnv(schema, { PORT: "x" });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.message).toMatch(/^invalid configuration: PORT must be an integer between 1 and 65535 \(got "x"\)$/);
    const flag = parseEnv(schema, { FLAG: "maybe", OPENAI_API_KEY: "k".repeat(100) });
    expect(!flag.ok && flag.message).toContain("FLAG must be true or false");
    const secret = parseEnv(schema, { OPENAI_API_KEY: "sk-short" });
    expect(!secret.ok && secret.message).not.toContain("sk-short");
  });
});
