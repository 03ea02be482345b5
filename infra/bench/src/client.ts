/** HTTP/SSE clients of the bench: node:http with a keep-alive agent, no fetch overhead, timing in ms. */
import { SseParser } from "@acb/schemas";
import { Agent, request } from "node:http";
import { nowMs } from "./stats.js";

export const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

export interface StreamResult {
  readonly ok: boolean;
  readonly status: number;
  /** Request sent → first token (ms). NaN if none. */
  readonly ttftMs: number;
  /** Request sent → end of the response (ms). */
  readonly totalMs: number;
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
export function streamOnce(base: string, dialect: Dialect, input: string, sessionId: string, timeoutMs = 120_000): Promise<StreamResult> {
  const url = new URL(dialect === "gateway" ? `${base}/v1/chat/stream` : `${base}/chat/completions`);
  const body = JSON.stringify(dialect === "gateway" ? { session_id: sessionId, input } : { model: "bench", stream: true, messages: [{ role: "user", content: input }] });
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
      resolve({ ok, status, ttftMs: ttft, totalMs: endedAt - startedAt, tokens, startedAt, endedAt, ...(error !== undefined ? { error } : {}) });
    };
    const req = request(
      { hostname: url.hostname, port: url.port, path: url.pathname, method: "POST", agent, headers: { "content-type": "application/json", accept: "text/event-stream", "content-length": Buffer.byteLength(body) } },
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
                tokens += 1;
              } else if (m.event === "done") sawDone = true;
              else if (m.event === "error") finish(false, `error event: ${m.data}`);
            } else if (m.data === "[DONE]") sawDone = true;
            else if (m.data.includes('"content":"') && !m.data.includes('"content":""')) {
              if (tokens === 0) ttft = nowMs() - startedAt;
              tokens += 1;
            }
          }
        });
        res.on("end", () => finish(status === 200 && sawDone && tokens > 0, status === 200 ? (sawDone ? undefined : "ended without done") : `HTTP ${status}`));
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
export async function closedLoop(total: number, concurrency: number, one: (i: number) => Promise<StreamResult>): Promise<StreamResult[]> {
  const results: StreamResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      results.push(await one(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}
