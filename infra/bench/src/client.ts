/** HTTP/SSE clients of the bench: node:http with a keep-alive agent, no fetch overhead, timing in ms. */
import { SseParser } from "@acb/schemas";
import { Agent, request, type IncomingMessage } from "node:http";
import { nowMs } from "./stats.js";

/**
 * A keep-alive agent for one measured run. Each run takes a fresh one (and destroys it after), so a socket
 * that sat idle between runs and was closed by the server's keep-alive timeout is never reused.
 */
export function freshAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
}

export interface StreamResult {
  readonly ok: boolean;
  readonly status: number;
  /** Request sent → first token (ms). NaN if none. */
  readonly ttftMs: number;
  /** Request sent → end of the response (ms). */
  readonly totalMs: number;
  /** Upstream tokens received (counted in the text: events may carry several). */
  readonly tokens: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly error?: string;
}

export type Dialect = "gateway" | "openai";

/**
 * One streaming request. `gateway`: POST /v1/chat/stream, tokens are `event: token` messages.
 * `openai`: POST /v1/chat/completions with stream: true, tokens are chunks with non-empty delta content.
 */
/** Upstream tokens are "t<i> " (see upstream.ts); a gateway may coalesce several into one event, so count text. */
const TOKEN = /t\d+ /g;
const countTokens = (text: string): number => text.match(TOKEN)?.length ?? 0;

export function streamOnce(
  agent: Agent,
  base: string,
  dialect: Dialect,
  input: string,
  sessionId: string,
  timeoutMs = 120_000,
): Promise<StreamResult> {
  const expected = Number(/bench:(\d+):/.exec(input)?.[1] ?? "0");
  const url = new URL(dialect === "gateway" ? `${base}/v1/chat/stream` : `${base}/chat/completions`);
  const body = JSON.stringify(
    dialect === "gateway"
      ? { session_id: sessionId, input }
      : { model: "bench", stream: true, messages: [{ role: "user", content: input }] },
  );
  return new Promise((resolve) => {
    const startedAt = nowMs();
    let ttft = Number.NaN;
    let tokens = 0;
    let status = 0;
    let settled = false;
    const finish = (ok: boolean, error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const endedAt = nowMs();
      resolve({
        ok,
        status,
        ttftMs: ttft,
        totalMs: endedAt - startedAt,
        tokens,
        startedAt,
        endedAt,
        ...(error !== undefined ? { error } : {}),
      });
    };
    const req = request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          accept: "text/event-stream",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        status = res.statusCode ?? 0;
        const parser = new SseParser();
        let sawDone = false;
        res.setEncoding("utf8");
        res.on("data", (text: string) => {
          for (const m of parser.feed(text)) {
            if (dialect === "gateway") {
              if (m.event === "token") {
                if (tokens === 0) ttft = nowMs() - startedAt;
                tokens += countTokens(m.data);
              } else if (m.event === "done") sawDone = true;
              else if (m.event === "error") finish(false, `error event: ${m.data}`);
            } else if (m.data === "[DONE]") sawDone = true;
            else {
              const n = countTokens(m.data);
              if (n > 0 && tokens === 0) ttft = nowMs() - startedAt;
              tokens += n;
            }
          }
        });
        res.on("end", () => {
          if (status !== 200) finish(false, `HTTP ${status}`);
          else if (!sawDone) finish(false, "ended without done");
          else if (expected > 0 && tokens !== expected) finish(false, `${tokens} of ${expected} tokens arrived`);
          else finish(true);
        });
        res.on("error", (err) => finish(false, err.message));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(false, "timeout");
    }, timeoutMs);
    req.on("error", (err) => finish(false, err.message));
    req.end(body);
  });
}

/**
 * Closed-loop load: `concurrency` workers each send requests back to back until `total` are done.
 * Returns every result (failures included).
 */
export async function closedLoop(
  total: number,
  concurrency: number,
  one: (i: number, agent: Agent) => Promise<StreamResult>,
  warmUrl?: string,
): Promise<StreamResult[]> {
  const agent = freshAgent();
  // Open the connections first (a few hundred at a time, under the server's listen backlog), so a burst of
  // N requests measures the service, not N TCP handshakes racing for the accept queue.
  if (warmUrl !== undefined) await warmConnections(agent, warmUrl, Math.min(concurrency, total));
  const results: StreamResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      results.push(await one(i, agent));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  } finally {
    agent.destroy();
  }
  return results;
}

/**
 * Opens `n` keep-alive connections in the agent: n GETs, at most 200 handshakes at a time, each response held
 * unread (so its socket stays busy and the next GET needs a new one) until all n have answered.
 */
async function warmConnections(agent: Agent, url: string, n: number): Promise<void> {
  const held: IncomingMessage[] = [];
  for (let i = 0; i < n; i += 200) {
    await Promise.all(
      Array.from(
        { length: Math.min(200, n - i) },
        () =>
          new Promise<void>((resolve) => {
            const req = request(url, { agent }, (res) => {
              held.push(res);
              resolve();
            });
            req.on("error", () => resolve());
            req.end();
          }),
      ),
    );
  }
  await Promise.all(
    held.map(
      (res) =>
        new Promise<void>((resolve) => {
          res.on("end", () => resolve());
          res.on("error", () => resolve());
          res.resume();
        }),
    ),
  );
  // Let the agent take the sockets back into its free pool.
  await new Promise((r) => setImmediate(r));
}

/** Warm-up requests are not measured, but a failing one is news (e.g. a follower that never got its events). */
export const WARM_TIMEOUT_MS = 30_000;

export function warnFailures(
  ctx: { log(message: string): void; warnings: string[] },
  what: string,
  results: StreamResult[],
): void {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return;
  const msg = `${what}: ${failed.length}/${results.length} failed (${failed[0]?.error ?? ""})`;
  ctx.warnings.push(msg);
  ctx.log(`  ${msg}`);
}
