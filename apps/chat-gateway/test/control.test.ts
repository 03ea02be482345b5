// Turn control on the embedded pipeline, in-process: cancel (HTTP, WebSocket, on disconnect, queued),
// multitask strategies with the history checked afterwards, and resume rules. The model is the real
// ChatOpenAI against the scripted upstream, which streams slowly and deterministically.
import { streamSse, tokenText, type RecordedRequest } from "@acb/testkit";
import { SseParser, type SseMessage } from "@acb/schemas";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { drainStreams } from "../src/drain.js";
import { gatewayFromEnv, json, NO_TOOL_SERVERS, transcript, upstreamModel, useScriptedGateway } from "./harness.js";

/** "slow:<ms>:<text>" streams the words of <text> one every <ms>; anything else is echoed at once. */
function slowScript(req: RecordedRequest) {
  const last = req.body.messages.at(-1);
  const input = typeof last?.content === "string" ? last.content : "";
  const slow = /^slow:(\d+):(.*)$/s.exec(input);
  if (slow) return { kind: "text" as const, chunks: (slow[2] ?? "").split(/(?<= )/), delayMs: Number(slow[1]) };
  return { kind: "text" as const, chunks: `echo: ${input}`.split(/(?<= )/) };
}

const stack = useScriptedGateway(
  { USE_MCP_IN_CHAT: "false", ...NO_TOOL_SERVERS, SSE_HEARTBEAT_MS: "200", TURN_TIMEOUT_MS: "20000" },
  { script: slowScript },
);

const sid = () => `s-${Math.random().toString(36).slice(2, 10)}`;
// Slow enough that a cancel, a second request or a drain lands while the turn still runs on a busy box (at 80 ms a
// word a loaded CI machine could let it finish first); the turns that are not cancelled are short.
const LONG =
  "slow:200:one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen";

/** A turn's SSE stream, read as it arrives. */
class TurnStream {
  readonly messages: SseMessage[] = [];
  readonly turnId: string;
  private readonly done: Promise<void>;
  private readonly abort = new AbortController();

  private constructor(res: Response, abort: AbortController) {
    this.abort = abort;
    this.turnId = res.headers.get("x-turn-id") ?? "";
    this.done = (async () => {
      try {
        for await (const m of streamSse(res)) this.messages.push(m);
      } catch {
        // aborted by the test
      }
    })();
  }

  static async open(url: string, body: Record<string, unknown>): Promise<TurnStream> {
    const abort = new AbortController();
    const res = await fetch(`${url}/v1/chat/stream`, { ...json(body), signal: abort.signal });
    expect(res.status).toBe(200);
    return new TurnStream(res, abort);
  }

  get text(): string {
    return tokenText(this.messages);
  }

  async tokens(n: number): Promise<void> {
    await until(() => this.messages.filter((m) => m.event === "token").length >= n, `${n} tokens`);
  }

  async end(): Promise<SseMessage[]> {
    await this.done;
    return this.messages;
  }

  disconnect(): void {
    this.abort.abort();
  }
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const events = (messages: SseMessage[]) => messages.map((m) => m.event);
const cancel = (turnId: string) => fetch(`${stack.gw.url}/v1/turns/${turnId}/cancel`, { method: "POST" });
/** What the model was sent for the next turn of `session` (its history), after asking it "next". */
async function historySeenBy(session: string): Promise<string[]> {
  const before = stack.upstream.requests.length;
  const res = await fetch(`${stack.gw.url}/v1/chat`, json({ session_id: session, input: "next" }));
  expect(res.status).toBe(200);
  const request = stack.upstream.requests
    .slice(before)
    .find((r) => transcript(r.body.messages).at(-1) === "user: next");
  return transcript(request?.body.messages ?? []).slice(1, -1);
}

describe("cancel", () => {
  it("POST /v1/turns/{id}/cancel stops the model mid-stream; the stream ends error(cancelled) + done; what the client saw is history", async () => {
    const session = sid();
    const stream = await TurnStream.open(stack.gw.url, { session_id: session, input: LONG });
    await stream.tokens(3);
    const aborted = stack.upstream.abortedStreams;
    const res = await cancel(stream.turnId);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ turn_id: stream.turnId, status: "cancelling" });
    const messages = await stream.end();
    expect(events(messages).slice(-2)).toEqual(["error", "done"]);
    expect(messages.at(-2)?.data).toBe("the turn was cancelled");
    await until(() => stack.upstream.abortedStreams > aborted, "the upstream to see its request aborted", 1_000);
    const partial = stream.text;
    expect(partial.length).toBeGreaterThan(0);
    expect(partial).not.toContain("sixteen");
    expect(await historySeenBy(session)).toEqual([`user: ${LONG}`, `assistant: ${partial}`]);
    // Idempotent, and still the same answer once the turn is over.
    expect((await cancel(stream.turnId)).status).toBe(202);
  });

  it("a WebSocket {type:cancel} stops the socket's running turn (not queued behind it)", async () => {
    const ws = new WebSocket(`${stack.gw.url.replace("http", "ws")}/ws/chat`);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const frames: Array<{ event: string; data?: string; turn_id?: string }> = [];
    ws.on("message", (raw) =>
      frames.push(JSON.parse(String(raw)) as { event: string; data?: string; turn_id?: string }),
    );
    onTestFinished(() => ws.terminate());
    ws.send(JSON.stringify({ session_id: sid(), input: LONG }));
    await until(() => frames.some((f) => f.event === "token"), "a token");
    const turnId = frames[0]?.turn_id ?? "";
    expect(turnId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    ws.send(JSON.stringify({ type: "cancel", turn_id: turnId }));
    await until(() => frames.some((f) => f.event === "done"), "done");
    expect(frames.slice(-2).map((f) => f.event)).toEqual(["error", "done"]);
    expect(frames.map((f) => f.data).join("")).not.toContain("sixteen");
    // A cancel naming a turn that is not the caller's is one error frame; the socket stays usable.
    ws.send(JSON.stringify({ type: "cancel", turn_id: "nosuchturn0000000000" }));
    ws.send(JSON.stringify({ type: "cancel", turn_id: "../etc" }));
    await until(() => frames.filter((f) => f.event === "error").length >= 3, "two error frames");
    expect(
      frames
        .slice(-2)
        .map((f) => f.data)
        .sort(),
    ).toEqual(["invalid message: turn_id is not a valid turn id", "no such turn (it may have expired)"]);
  });

  it("cancel_on_disconnect: the last follower leaving cancels the turn; by default the turn finishes and is kept", async () => {
    const kept = sid();
    const plain = await TurnStream.open(stack.gw.url, { session_id: kept, input: "slow:30:a b c d e f" });
    await plain.tokens(1);
    plain.disconnect();
    const cancelled = sid();
    const leaving = await TurnStream.open(stack.gw.url, {
      session_id: cancelled,
      input: LONG,
      cancel_on_disconnect: true,
    });
    await leaving.tokens(2);
    const aborted = stack.upstream.abortedStreams;
    leaving.disconnect();
    await until(() => stack.upstream.abortedStreams > aborted, "the upstream request aborted", 2_000);
    expect(await historySeenBy(kept)).toEqual(["user: slow:30:a b c d e f", "assistant: a b c d e f"]);
    const seen = await historySeenBy(cancelled);
    expect(seen[0]).toBe(`user: ${LONG}`);
    expect(seen[1]).not.toContain("sixteen");
  });

  it("a cancel of a turn still queued behind its session's running turn ends it at once; it never runs", async () => {
    const session = sid();
    const running = await TurnStream.open(stack.gw.url, {
      session_id: session,
      input: "slow:300:alpha beta gamma delta epsilon",
    });
    await running.tokens(1);
    const queued = await TurnStream.open(stack.gw.url, { session_id: session, input: "never runs" });
    expect((await cancel(queued.turnId)).status).toBe(202);
    const ended = await queued.end();
    expect(events(ended)).toEqual(["error", "done"]);
    expect(ended[1]?.data).toBe(session);
    expect(running.messages.some((m) => m.event === "done")).toBe(false);
    await running.end();
    expect(stack.upstream.requests.some((r) => transcript(r.body.messages).includes("user: never runs"))).toBe(false);
    expect(await historySeenBy(session)).toEqual([
      "user: slow:300:alpha beta gamma delta epsilon",
      "assistant: alpha beta gamma delta epsilon",
    ]);
  });
});

/** A LONG turn of `session`, two tokens in, overtaken by `input` sent with `strategy`: both turns' streams. */
async function overtake(
  session: string,
  input: string,
  strategy: "interrupt" | "rollback",
): Promise<{ running: TurnStream; next: TurnStream }> {
  const running = await TurnStream.open(stack.gw.url, { session_id: session, input: LONG });
  await running.tokens(2);
  const next = await TurnStream.open(stack.gw.url, { session_id: session, input, multitask_strategy: strategy });
  return { running, next };
}

describe("one session, in order (multitask_strategy)", () => {
  it("enqueue (default): two turns sent at once run one after the other; the second sees the first committed", async () => {
    const session = sid();
    const [a, b] = await Promise.all([
      TurnStream.open(stack.gw.url, { session_id: session, input: "slow:20:first answer here" }),
      TurnStream.open(stack.gw.url, { session_id: session, input: "second" }),
    ]);
    await Promise.all([a.end(), b.end()]);
    const first = stack.upstream.requests.find((r) => transcript(r.body.messages).at(-1) === "user: second");
    const sent = transcript(first?.body.messages ?? []).slice(1);
    // Whichever was admitted first, the other one saw it whole.
    const order = sent.length === 3 ? "a-then-b" : "b-then-a";
    if (order === "a-then-b")
      expect(sent).toEqual(["user: slow:20:first answer here", "assistant: first answer here", "user: second"]);
    else expect(sent).toEqual(["user: second"]);
    expect(events(a.messages).at(-1)).toBe("done");
    expect(events(b.messages).at(-1)).toBe("done");
  });

  it("reject: 409 naming the running turn; the running turn is untouched", async () => {
    const session = sid();
    const running = await TurnStream.open(stack.gw.url, { session_id: session, input: "slow:300:one two three" });
    const res = await fetch(
      `${stack.gw.url}/v1/chat/stream`,
      json({ session_id: session, input: "impatient", multitask_strategy: "reject" }),
    );
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: {
        code: "conflict",
        message: expect.stringContaining("reject") as string,
        details: [{ field: "running_turn_id", message: running.turnId }],
      },
    });
    await running.end();
    expect(running.text).toBe("one two three");
    expect(await historySeenBy(session)).toEqual(["user: slow:300:one two three", "assistant: one two three"]);
  });

  it("interrupt: the running turn is cancelled, its partial answer kept; the new turn runs next and sees it", async () => {
    const session = sid();
    const { running, next } = await overtake(session, "instead", "interrupt");
    const cut = await running.end();
    expect(events(cut).slice(-2)).toEqual(["error", "done"]);
    await next.end();
    expect(next.text).toBe("echo: instead");
    expect(await historySeenBy(session)).toEqual([
      `user: ${LONG}`,
      `assistant: ${running.text}`,
      "user: instead",
      "assistant: echo: instead",
    ]);
  });

  it("rollback: the running turn is cancelled and nothing of it stays in history", async () => {
    const session = sid();
    const keep = await TurnStream.open(stack.gw.url, { session_id: session, input: "kept" });
    await keep.end();
    const { running, next } = await overtake(session, "redo", "rollback");
    expect(events(await running.end()).slice(-2)).toEqual(["error", "done"]);
    await next.end();
    expect(await historySeenBy(session)).toEqual([
      "user: kept",
      "assistant: echo: kept",
      "user: redo",
      "assistant: echo: redo",
    ]);
  });

  it("sessions of different ids do not wait on each other", async () => {
    const slow = await TurnStream.open(stack.gw.url, { session_id: sid(), input: LONG });
    await slow.tokens(1);
    const started = Date.now();
    const res = await fetch(`${stack.gw.url}/v1/chat`, json({ session_id: sid(), input: "quick" }));
    expect(await res.json()).toEqual({ text: "echo: quick" });
    expect(slow.messages.some((m) => m.event === "done")).toBe(false);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await cancel(slow.turnId)).status).toBe(202);
    await slow.end();
  });
});

describe("resume", () => {
  it("a turn queued with no event yet can be followed (200, waits); after done, Last-Event-ID = done's id is 204", async () => {
    const session = sid();
    const running = await TurnStream.open(stack.gw.url, { session_id: session, input: "slow:40:wait for me" });
    const queued = await TurnStream.open(stack.gw.url, { session_id: session, input: "queued one" });
    queued.disconnect();
    const res = await fetch(`${stack.gw.url}/v1/turns/${queued.turnId}/events`);
    expect(res.status).toBe(200);
    const followed: SseMessage[] = [];
    for await (const m of streamSse(res)) followed.push(m);
    expect(tokenText(followed)).toBe("echo: queued one");
    expect(followed.at(-1)?.event).toBe("done");
    await running.end();
    const doneId = followed.at(-1)?.id ?? "";
    const after = await fetch(`${stack.gw.url}/v1/turns/${queued.turnId}/events`, {
      headers: { "last-event-id": doneId },
    });
    expect(after.status).toBe(204);
    // Before done, the same resume point still streams the rest.
    const lastToken = followed.filter((m) => m.event === "token").at(-1)?.id ?? "";
    const rest = await fetch(`${stack.gw.url}/v1/turns/${queued.turnId}/events`, {
      headers: { "last-event-id": lastToken },
    });
    expect(rest.status).toBe(200);
    expect((await rest.text()).includes("event: done")).toBe(true);
  });

  it("unknown turns stay 404; a malformed turn id is 400 naming turn_id", async () => {
    expect((await fetch(`${stack.gw.url}/v1/turns/nosuchturn0000000000/events`)).status).toBe(404);
    expect((await cancel("nosuchturn0000000000")).status).toBe(404);
    const bad = await fetch(`${stack.gw.url}/v1/turns/bad.id/cancel`, { method: "POST" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('"field":"turn_id"');
  });
});

describe("hostile turn control fields", () => {
  it.each([
    [{ multitask_strategy: "YOLO" }, "multitask_strategy"],
    [{ multitask_strategy: 3 }, "multitask_strategy"],
    [{ cancel_on_disconnect: "yes" }, "cancel_on_disconnect"],
  ])("%j is a 400 naming the field", async (extra, field) => {
    for (const [path, body] of [
      ["/v1/chat", { session_id: sid(), input: "x", ...extra }],
      ["/v1/chat/stream", { session_id: sid(), input: "x", ...extra }],
      ["/v1/agent/chat/stream", { input: "x", ...extra }],
    ] as const) {
      const res = await fetch(`${stack.gw.url}${path}`, json(body));
      expect(res.status, path).toBe(400);
      const payload = (await res.json()) as { error: { details: Array<{ field: string }> } };
      expect(payload.error.details.map((d) => d.field)).toContain(field);
    }
  });
});

describe("drain, in-process", () => {
  it("a draining gateway refuses new turns (503 not_ready), tells open streams to reconnect (retry:), and they resume with Last-Event-ID", async () => {
    const own = gatewayFromEnv({ ...upstreamModel(stack.upstream), SSE_HEARTBEAT_MS: "200" });
    onTestFinished(() => own.close());
    const base = `http://${await own.listen()}`;
    const res = await fetch(
      `${base}/v1/chat/stream`,
      json({ session_id: sid(), input: "slow:150:a b c d e f g h i j k l" }),
    );
    const turnId = res.headers.get("x-turn-id") ?? "";
    const parser = new SseParser();
    const seen: SseMessage[] = [];
    let raw = "";
    const read = (async () => {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const text = Buffer.from(chunk).toString();
        raw += text;
        seen.push(...parser.feed(text));
      }
    })();
    await until(() => seen.some((m) => m.event === "token"), "a token");
    const drained = drainStreams(own.pipeline.turns, 100);
    const refused = await fetch(`${base}/v1/chat`, json({ session_id: sid(), input: "too late" }));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("not_ready");
    await drained;
    await read;
    expect(raw).toMatch(/retry: \d+\n\n$/);
    expect(seen.map((m) => m.event)).not.toContain("done");
    // A drained gateway's streams all end so: the resume goes to another replica (infra/e2e). Here, the same
    // in-memory log read from the resume point continues exactly.
    expect(
      (
        await fetch(`${base}/v1/turns/${turnId}/events`, { headers: { "last-event-id": seen.at(-1)?.id ?? "0" } })
      ).headers.get("content-type"),
    ).toContain("text/event-stream");
    let restText = "";
    for await (const { event } of own.pipeline.turns.follow(
      turnId,
      seen.at(-1)?.id ?? "0",
      AbortSignal.timeout(10_000),
    ))
      if (event.event === "token") restText += event.data;
    expect(
      seen
        .filter((m) => m.event === "token")
        .map((m) => m.data)
        .join("") + restText,
    ).toBe("a b c d e f g h i j k l");
  });
});

describe("cancel_on_disconnect on the JSON answer", () => {
  it("POST /v1/chat abandoned by its client cancels the turn", async () => {
    const session = sid();
    const abort = new AbortController();
    const before = stack.upstream.requests.length;
    const pending = fetch(`${stack.gw.url}/v1/chat`, {
      ...json({ session_id: session, input: LONG, cancel_on_disconnect: true }),
      signal: abort.signal,
    }).catch(() => undefined);
    await until(() => stack.upstream.requests.length > before, "the upstream request");
    await new Promise((r) => setTimeout(r, 200));
    const aborted = stack.upstream.abortedStreams;
    abort.abort();
    await pending;
    await until(() => stack.upstream.abortedStreams > aborted, "the upstream request aborted", 2_000);
    expect((await historySeenBy(session))[1]).not.toContain("sixteen");
  });
});
