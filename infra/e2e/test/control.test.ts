// Turn control across real processes: 2 gateways × 2 runners on one redis-server, a scripted upstream that
// streams slowly and deterministically, a real MCP server with a slow tool. Cancel from the other gateway
// (the upstream and the MCP tool see it), WebSocket cancel, cancel_on_disconnect, cancel of a queued turn,
// every multitask_strategy with the history checked, resume rules with a standard EventSource client, and a
// gateway drained by SIGTERM with 20 open streams resumed on another gateway.
import { SseParser, type SseMessage } from "@acb/schemas";
import type { RecordedRequest, ScriptedReply } from "@acb/testkit";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { contentText, pipelineScript, toolNames } from "./script.js";
import { startSlowMcp, type SlowMcp } from "./slow-mcp.js";
import { post } from "./scenarios.js";
import { useBackend } from "./fixtures.js";
import { replicaSet, startGateway } from "./stack.js";

let mcp: SlowMcp;
const { gateways, start, stop } = replicaSet();
let common: Record<string, string>;

/** "scan:<label>" with the slow_scan tool offered → a call of it; otherwise the distributed tests' script. */
function controlScript(req: RecordedRequest): ScriptedReply {
  const last = req.body.messages.at(-1);
  const scan = /^scan:(.*)$/.exec(contentText(last?.content ?? ""));
  if (last?.role === "user" && scan && toolNames(req).includes("slow_scan"))
    return { kind: "tool_calls", calls: [{ name: "slow_scan", arguments: JSON.stringify({ label: scan[1] }) }] };
  return pipelineScript(req);
}

const backend = useBackend(controlScript);
beforeAll(async () => {
  mcp = await startSlowMcp();
  common = { ...backend.env, SSE_HEARTBEAT_MS: "500", TURN_TIMEOUT_MS: "30000" };
  const runnerEnv = {
    ...common,
    RUNNER_CONCURRENCY: "50",
    MCP_SERVER_URL: mcp.url,
    MCP_TRANSPORT: "streamable_http",
    MCP_TOOL_TIMEOUT_MS: "60000",
  };
  await start([runnerEnv, runnerEnv], common);
}, 60_000);

afterAll(async () => {
  await stop();
  await mcp?.close();
});

const gw = (i: number): string => gateways[i]?.url ?? "";
const sid = () => `c-${Math.random().toString(36).slice(2, 10)}`;
const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(" ");
const LONG = `slow:100:${words(40, "w")}`;

async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One SSE response read as it arrives, keeping the raw text (to see `retry:`). */
class Stream {
  readonly messages: SseMessage[] = [];
  raw = "";
  readonly ended: Promise<void>;
  private readonly abort = new AbortController();

  constructor(
    readonly res: Response,
    abort: AbortController,
  ) {
    this.abort = abort;
    const parser = new SseParser();
    this.ended = (async () => {
      try {
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          const text = decoder.decode(chunk, { stream: true });
          this.raw += text;
          this.messages.push(...parser.feed(text));
        }
      } catch {
        // aborted by the test
      }
    })();
  }

  static async open(url: string, init: RequestInit = {}): Promise<Stream> {
    const abort = new AbortController();
    const res = await fetch(url, { ...init, signal: abort.signal });
    return new Stream(res, abort);
  }

  static chat(gateway: string, body: Record<string, unknown>, path = "/v1/chat/stream"): Promise<Stream> {
    return Stream.open(`${gateway}${path}`, post(body));
  }

  get turnId(): string {
    return this.res.headers.get("x-turn-id") ?? "";
  }
  get text(): string {
    return this.messages
      .filter((m) => m.event === "token")
      .map((m) => m.data)
      .join("");
  }
  get events(): string[] {
    return this.messages.map((m) => m.event ?? "");
  }
  async tokens(n: number): Promise<void> {
    await until(() => this.messages.filter((m) => m.event === "token").length >= n, `${n} tokens`);
  }
  async end(): Promise<this> {
    await this.ended;
    return this;
  }
  disconnect(): void {
    this.abort.abort();
  }
}

const cancelAt = (gateway: string, turnId: string) => fetch(`${gateway}/v1/turns/${turnId}/cancel`, { method: "POST" });

/** The history the model is sent for the session's next turn (asked through gateway 1): "role: text" lines. */
async function historySeenBy(session: string, gateway = gw(1)): Promise<string[]> {
  const before = backend.upstream.requests.length;
  const res = await fetch(`${gateway}/v1/chat`, post({ session_id: session, input: `next ${session}` }));
  expect(res.status).toBe(200);
  const request = backend.upstream.requests
    .slice(before)
    .find((r) => contentText(r.body.messages.at(-1)?.content) === `next ${session}`);
  return (request?.body.messages ?? []).slice(1, -1).map((m) => `${m.role}: ${contentText(m.content)}`);
}

describe("cancel, from any gateway to any runner", () => {
  it("a cancel sent to the other gateway aborts the upstream request within 1 s (beyond a turn's round trip now); the stream ends error + done; the partial answer is history", async () => {
    const session = sid();
    // What a whole quick turn takes on this machine right now (gateway → Redis → runner → model → back): a busy box
    // slows the cancel's path as much, so the bound is 1 s more than that.
    const quick = Date.now();
    expect((await fetch(`${gw(1)}/v1/chat`, post({ session_id: sid(), input: "quick" }))).status).toBe(200);
    const roundTripMs = Date.now() - quick;
    const stream = await Stream.chat(gw(0), { session_id: session, input: LONG });
    await stream.tokens(3);
    const aborted = backend.upstream.abortedStreams;
    const res = await cancelAt(gw(1), stream.turnId);
    expect(res.status).toBe(202);
    const sent = Date.now();
    await until(() => backend.upstream.abortedStreams > aborted, "the upstream to see the abort", 10_000);
    const abortMs = Date.now() - sent;
    await stream.end();
    expect(stream.events.slice(-2)).toEqual(["error", "done"]);
    expect(stream.messages.at(-1)?.data).toBe(session);
    expect(stream.text).not.toContain("w39");
    expect(await historySeenBy(session)).toEqual([`user: ${LONG}`, `assistant: ${stream.text}`]);
    expect(abortMs).toBeLessThan(1_000 + roundTripMs);
  });

  it("a cancel stops an MCP tool call in flight: the MCP server gets notifications/cancelled for it", async () => {
    const label = `job-${sid()}`;
    const stream = await Stream.chat(gw(0), { input: `scan:${label}` }, "/v1/agent/chat/stream");
    await until(() => mcp.started.includes(label), "the tool call to start");
    // tool_start travels runner → Redis → gateway → client while the call goes straight to the MCP server
    await until(() => stream.events.includes("tool_start"), "the client to see tool_start");
    expect((await cancelAt(gw(1), stream.turnId)).status).toBe(202);
    await until(() => mcp.cancelled.includes(label), "the MCP server to see the cancel", 5_000);
    await stream.end();
    expect(stream.events.slice(-2)).toEqual(["error", "done"]);
  });

  it("a WebSocket {type:cancel} on one gateway cancels a turn streaming from the other", async () => {
    const stream = await Stream.chat(gw(0), { session_id: sid(), input: LONG });
    await stream.tokens(1);
    const ws = new WebSocket(`${gw(1).replace("http", "ws")}/ws/chat`);
    onTestFinished(() => ws.terminate());
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    ws.send(JSON.stringify({ type: "cancel", turn_id: stream.turnId }));
    await stream.end();
    expect(stream.events.slice(-2)).toEqual(["error", "done"]);
    expect(stream.text).not.toContain("w39");
  });

  it("cancel_on_disconnect: the client going away cancels the turn on its runner (the upstream sees it)", async () => {
    const session = sid();
    const stream = await Stream.chat(gw(0), { session_id: session, input: LONG, cancel_on_disconnect: true });
    await stream.tokens(2);
    const aborted = backend.upstream.abortedStreams;
    stream.disconnect();
    await until(() => backend.upstream.abortedStreams > aborted, "the upstream request aborted", 2_000);
    const seen = await historySeenBy(session);
    expect(seen[0]).toBe(`user: ${LONG}`);
    expect(seen[1]).not.toContain("w39");
  });

  it("a turn still queued behind its session's running turn is cancelled at once and never runs", async () => {
    const session = sid();
    const running = await Stream.chat(gw(0), {
      session_id: session,
      input: "slow:400:alpha beta gamma delta epsilon zeta",
    });
    await running.tokens(1);
    const queued = await Stream.chat(gw(1), { session_id: session, input: `never ${session}` });
    expect((await cancelAt(gw(0), queued.turnId)).status).toBe(202);
    await queued.end();
    expect(queued.events).toEqual(["error", "done"]);
    expect(running.events).not.toContain("done");
    await running.end();
    expect(running.text).toBe("alpha beta gamma delta epsilon zeta");
    expect(
      backend.upstream.requests.some((r) => r.body.messages.some((m) => contentText(m.content) === `never ${session}`)),
    ).toBe(false);
  });
});

describe("one session, in order, across 2 gateways × 2 runners", () => {
  it("enqueue: turns of one session sent at once to both gateways run one at a time; each sees every earlier one", async () => {
    const session = sid();
    const inputs = Array.from({ length: 6 }, (_, i) => `slow:20:turn${i} of ${session}`);
    const streams = await Promise.all(inputs.map((input, i) => Stream.chat(gw(i % 2), { session_id: session, input })));
    await Promise.all(streams.map((s) => s.end()));
    for (const s of streams) expect(s.events.at(-1)).toBe("done");
    // Each upstream request of the session carries all the turns that ran before it, whole: never two at once.
    const requests = backend.upstream.requests.filter((r) =>
      contentText(r.body.messages.at(-1)?.content).endsWith(`of ${session}`),
    );
    expect(requests).toHaveLength(6);
    const priorTurns = requests
      .map((r) => r.body.messages.filter((m) => m.role === "user").length - 1)
      .sort((a, b) => a - b);
    expect(priorTurns).toEqual([0, 1, 2, 3, 4, 5]);
    const last = requests.find((r) => r.body.messages.filter((m) => m.role === "user").length === 6);
    for (const m of last?.body.messages.filter((x) => x.role === "assistant") ?? [])
      expect(contentText(m.content)).toMatch(/^turn\d of /);
  });

  it("reject: the other gateway answers 409 with the running turn's id", async () => {
    const session = sid();
    const running = await Stream.chat(gw(0), { session_id: session, input: "slow:400:one two three four" });
    await running.tokens(1);
    const res = await fetch(
      `${gw(1)}/v1/chat`,
      post({ session_id: session, input: "impatient", multitask_strategy: "reject" }),
    );
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; details: Array<{ field: string; message: string }> } };
    expect(body.error.code).toBe("conflict");
    expect(body.error.details).toEqual([{ field: "running_turn_id", message: running.turnId }]);
    await running.end();
    expect(await historySeenBy(session)).toEqual([
      "user: slow:400:one two three four",
      "assistant: one two three four",
    ]);
  });

  // The same race for both strategies; what differs is what stays of the cut turn. An earlier turn stays either way.
  it.each([
    {
      strategy: "interrupt",
      what: "the running turn (on one gateway) is cut, its partial answer kept; the new one (on the other) runs next",
      input: "instead",
      keptOfCut: (partial: string) => [`user: ${LONG}`, `assistant: ${partial}`],
    },
    {
      strategy: "rollback",
      what: "the running turn is cut and nothing of it stays in history",
      input: "redo",
      keptOfCut: () => [],
    },
  ])("$strategy: $what", async ({ strategy, input, keptOfCut }) => {
    const session = sid();
    await (await Stream.chat(gw(1), { session_id: session, input: "kept" })).end();
    const running = await Stream.chat(gw(0), { session_id: session, input: LONG });
    await running.tokens(2);
    const next = await Stream.chat(gw(1), { session_id: session, input, multitask_strategy: strategy });
    await Promise.all([running.end(), next.end()]);
    expect(running.events.slice(-2)).toEqual(["error", "done"]);
    expect(next.text).toBe(`echo: ${input}`);
    expect(await historySeenBy(session, gw(0))).toEqual([
      "user: kept",
      "assistant: echo: kept",
      ...keptOfCut(running.text),
      `user: ${input}`,
      `assistant: echo: ${input}`,
    ]);
  });
});

describe("resume", () => {
  it("a queued turn with no event yet is followed from the other gateway (200, waits); a standard EventSource gets the whole text and stops on 204 after done", async () => {
    const session = sid();
    const running = await Stream.chat(gw(0), { session_id: session, input: "slow:60:hold the line please" });
    await running.tokens(1);
    const queued = await Stream.chat(gw(0), { session_id: session, input: "queued answer" });
    queued.disconnect();
    let connections = 0;
    const statuses: number[] = [];
    const source = new EventSource(`${gw(1)}/v1/turns/${queued.turnId}/events`, {
      fetch: async (url, init) => {
        connections += 1;
        const res = await fetch(url, init);
        statuses.push(res.status);
        return res;
      },
    });
    onTestFinished(() => source.close());
    const tokens: string[] = [];
    let done = "";
    source.addEventListener("token", (e) => tokens.push(e.data));
    source.addEventListener("done", (e) => (done = e.data));
    await until(() => source.readyState === EventSource.CLOSED, "the EventSource to stop", 20_000);
    expect(tokens.join("")).toBe("echo: queued answer");
    expect(done).toBe(session);
    // First connection 200 (waited while queued), then the reconnect after done: 204, and no more.
    expect(statuses).toEqual([200, 204]);
    await new Promise((r) => setTimeout(r, 500));
    expect(connections).toBe(2);
    await running.end();
    expect((await fetch(`${gw(0)}/v1/turns/nosuchturn0000000000/events`)).status).toBe(404);
  });
});

describe("gateway drain", () => {
  it("SIGTERM: 20 open streams are told to reconnect after GATEWAY_DRAIN_MS and resume on another gateway, each text whole", async () => {
    const draining = await startGateway({ ...common, GATEWAY_DRAIN_MS: "300" });
    const n = 20;
    // 4.5 s a stream: every one still runs when the drain ends it, however long 20 starts take on a busy box
    const inputs = Array.from({ length: n }, (_, i) => `slow:150:${words(30, `d${i}x`)}`);
    const streams = await Promise.all(
      inputs.map((input, i) => Stream.chat(draining.url, { session_id: `drain-${i}-${sid()}`, input })),
    );
    await Promise.all(streams.map((s) => s.tokens(1)));
    draining.process.kill("SIGTERM");
    await Promise.all(streams.map((s) => s.end()));
    expect(await draining.process.exited).toBe(0);
    const texts = await Promise.all(
      streams.map(async (s) => {
        expect(s.raw).toContain("retry: ");
        expect(s.events).not.toContain("done");
        const lastId = s.messages.at(-1)?.id ?? "0";
        const rest = await Stream.open(`${gw(0)}/v1/turns/${s.turnId}/events`, {
          headers: { "last-event-id": lastId },
        });
        await rest.end();
        expect(rest.events.at(-1)).toBe("done");
        return s.text + rest.text;
      }),
    );
    texts.forEach((text, i) => expect(text, `stream ${i}`).toBe(words(30, `d${i}x`)));
  }, 60_000);
});
