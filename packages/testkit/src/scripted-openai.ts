/**
 * A scripted OpenAI-compatible HTTP server for tests (node:http, no dependencies).
 *
 * Serves `POST /v1/chat/completions` (streaming SSE and plain JSON) and `GET /v1/models`.
 * Every request is recorded; a script decides each reply. The default script echoes the last user message.
 *
 * Standalone: `node dist/scripted-openai.js [port]` serves the echo script until killed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { pathToFileURL } from "node:url";

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** JSON text. */
  arguments: string;
}

/** Quirks some OpenAI-compatible servers and proxies have (the session must survive every one). */
export interface ProviderQuirks {
  /** The completion `id` to send: a fixed string (repeated across completions), or null to leave the field out. */
  completionId?: string | null;
  /** Sends empty deltas (`{}` and `{"content":""}`) before every chunk. */
  emptyDeltas?: boolean;
  /** Sends a usage-only chunk (`choices: []`) at the end, even when the client did not ask for usage. */
  usage?: boolean;
}

export type ScriptedReply =
  | ({ kind: "text"; chunks: string[]; delayMs?: number } & ProviderQuirks)
  | ({ kind: "tool_calls"; calls: ScriptedToolCall[]; delayMs?: number } & ProviderQuirks)
  | { kind: "http_error"; status: number; body?: unknown }
  /** Accepts the request and never answers (for timeout tests). */
  | { kind: "hang" }
  /** Sends the role chunk and these chunks, then destroys the socket. */
  | { kind: "drop_mid_stream"; chunks: string[] };

export interface RecordedRequest {
  body: {
    model: string;
    messages: Array<{ role: string; content: unknown; tool_calls?: unknown; tool_call_id?: string }>;
    stream?: boolean;
    temperature?: number;
    tools?: unknown[];
    [k: string]: unknown;
  };
  headers: Record<string, string | string[] | undefined>;
}

export type ScriptFn = (req: RecordedRequest, index: number) => ScriptedReply;

export interface ScriptedOpenAI {
  /** Base URL ending in /v1 (what OPENAI_BASE_URL / `baseURL` expect). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Streamed replies whose client hung up before the end (a cancelled turn aborts its upstream request). */
  readonly abortedStreams: number;
  script(fn: ScriptFn): void;
  close(): Promise<void>;
}

/** Text of a message's content (string, or an array of `{type:"text", text}` parts). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        if (typeof part === "string") return part;
        if (part !== null && typeof part === "object" && "text" in part && typeof part.text === "string")
          return part.text;
        return "";
      })
      .join("");
  }
  return "";
}

/** Splits text into words, each keeping its following whitespace, so joining the pieces rebuilds the text. */
export function splitWords(text: string): string[] {
  const pieces = text.match(/\S+\s*|\s+/g);
  return pieces ?? [];
}

/** The default script: text chunks of `echo: <last user message>` split into words (keeping spaces). */
export function echoScript(req: RecordedRequest): ScriptedReply {
  const messages = Array.isArray(req.body.messages) ? req.body.messages : [];
  let last = "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m !== undefined && m.role === "user") {
      last = contentText(m.content);
      break;
    }
  }
  return { kind: "text", chunks: splitWords(`echo: ${last}`) };
}

/** A script for one tool round: the first request gets `calls`, every later one the text `chunks`. */
export function toolCallsThenText(calls: ScriptedToolCall[], chunks: string[]): ScriptFn {
  return (_req, index) => (index === 0 ? { kind: "tool_calls", calls } : { kind: "text", chunks });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A rough token count, good enough for usage figures. */
const countTokens = (text: string): number => splitWords(text).length;

interface Ctx {
  /** Undefined = the `id` field is left out (a provider quirk). */
  id: string | undefined;
  created: number;
  model: string;
}

/** The fields every completion and chunk carries. */
function envelope(ctx: Ctx, object: "chat.completion" | "chat.completion.chunk"): Record<string, unknown> {
  return {
    ...(ctx.id !== undefined ? { id: ctx.id } : {}),
    object,
    created: ctx.created,
    model: ctx.model,
    system_fingerprint: "fp_scripted",
  };
}

function chunk(ctx: Ctx, delta: Record<string, unknown>, finishReason: string | null): Record<string, unknown> {
  return {
    ...envelope(ctx, "chat.completion.chunk"),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

function promptTokens(req: RecordedRequest): number {
  const messages = Array.isArray(req.body.messages) ? req.body.messages : [];
  return messages.reduce((n, m) => n + countTokens(contentText(m.content)) + 3, 0);
}

/** Argument text split into a few fragments, as the real API streams it. */
function fragments(text: string): string[] {
  if (text.length === 0) return [""];
  const size = Math.max(1, Math.ceil(text.length / 3));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(status: number, message: string, type = "invalid_request_error"): unknown {
  return { error: { message, type, param: null, code: status === 429 ? "rate_limit_exceeded" : null } };
}

function toolCallId(call: ScriptedToolCall, index: number, requestIndex: number): string {
  return call.id ?? `call_${requestIndex}_${index}`;
}

export async function startScriptedOpenAI(opts: { port?: number; script?: ScriptFn } = {}): Promise<ScriptedOpenAI> {
  let script: ScriptFn = opts.script ?? echoScript;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let counter = 0;
  let abortedStreams = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "GET" && (path === "/v1/models" || path === "/models")) {
      sendJson(res, 200, {
        object: "list",
        data: [{ id: "scripted-model", object: "model", created: 0, owned_by: "testkit" }],
      });
      return;
    }
    if (!(path === "/v1/chat/completions" || path === "/chat/completions")) {
      sendJson(res, 404, errorBody(404, `no route ${req.method ?? ""} ${path}`));
      return;
    }
    if (req.method !== "POST") {
      sendJson(res, 405, errorBody(405, "method not allowed"));
      return;
    }
    const raw = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      sendJson(res, 400, errorBody(400, "request body is not valid JSON"));
      return;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      sendJson(res, 400, errorBody(400, "request body must be a JSON object"));
      return;
    }
    const body = parsed as RecordedRequest["body"];
    if (!Array.isArray(body.messages)) {
      sendJson(res, 400, errorBody(400, "'messages' is required"));
      return;
    }
    const recorded: RecordedRequest = { body, headers: { ...req.headers } };
    const index = requests.length;
    requests.push(recorded);

    let reply: ScriptedReply;
    try {
      reply = script(recorded, index);
    } catch (err) {
      sendJson(
        res,
        500,
        errorBody(500, `script failed: ${err instanceof Error ? err.message : String(err)}`, "server_error"),
      );
      return;
    }

    counter += 1;
    const quirkId = reply.kind === "text" || reply.kind === "tool_calls" ? reply.completionId : undefined;
    const ctx: Ctx = {
      id: quirkId === null ? undefined : (quirkId ?? `chatcmpl-scripted-${counter}`),
      created: Math.floor(Date.now() / 1000),
      model: typeof body.model === "string" ? body.model : "scripted-model",
    };

    if (reply.kind === "hang") {
      // Keep the socket open; close() destroys it.
      return;
    }
    if (reply.kind === "http_error") {
      sendJson(
        res,
        reply.status,
        reply.body ?? errorBody(reply.status, `scripted HTTP ${reply.status}`, "server_error"),
      );
      return;
    }

    const streamOptions = body.stream_options;
    const includeUsage =
      ((reply.kind === "text" || reply.kind === "tool_calls") && reply.usage === true) ||
      (streamOptions !== null &&
        typeof streamOptions === "object" &&
        "include_usage" in streamOptions &&
        streamOptions.include_usage === true);
    const prompt = promptTokens(recorded);

    if (body.stream !== true) {
      if (reply.kind === "drop_mid_stream") {
        res.socket?.destroy();
        return;
      }
      let message: Record<string, unknown>;
      let completion: number;
      let finish: string;
      if (reply.kind === "text") {
        const text = reply.chunks.join("");
        message = { role: "assistant", content: text, refusal: null };
        completion = countTokens(text);
        finish = "stop";
      } else {
        message = {
          role: "assistant",
          content: null,
          refusal: null,
          tool_calls: reply.calls.map((c, i) => ({
            id: toolCallId(c, i, index),
            type: "function",
            function: { name: c.name, arguments: c.arguments },
          })),
        };
        completion = reply.calls.reduce((n, c) => n + countTokens(c.arguments) + 1, 0);
        finish = "tool_calls";
      }
      sendJson(res, 200, {
        ...envelope(ctx, "chat.completion"),
        choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      });
      return;
    }

    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    let closed = false;
    res.on("close", () => {
      closed = true;
      if (!res.writableEnded) abortedStreams += 1;
    });
    const send = (data: unknown): void => {
      if (!closed) res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    };
    const emptyDeltas = (reply.kind === "text" || reply.kind === "tool_calls") && reply.emptyDeltas === true;
    const sendEmptyDeltas = (): void => {
      if (!emptyDeltas) return;
      send(chunk(ctx, {}, null));
      send(chunk(ctx, { content: "" }, null));
    };

    send(chunk(ctx, { role: "assistant", content: "", refusal: null }, null));

    if (reply.kind === "drop_mid_stream") {
      for (const c of reply.chunks) send(chunk(ctx, { content: c }, null));
      // Let the written chunks leave before the connection dies.
      await sleep(20);
      res.socket?.destroy();
      return;
    }

    let completion = 0;
    let finish: string;
    if (reply.kind === "text") {
      let first = true;
      for (const c of reply.chunks) {
        if (!first && reply.delayMs !== undefined && reply.delayMs > 0) await sleep(reply.delayMs);
        first = false;
        if (closed) return;
        sendEmptyDeltas();
        send(chunk(ctx, { content: c }, null));
        completion += countTokens(c);
      }
      finish = "stop";
    } else {
      let i = 0;
      for (const call of reply.calls) {
        if (i > 0 && reply.delayMs !== undefined && reply.delayMs > 0) await sleep(reply.delayMs);
        if (closed) return;
        sendEmptyDeltas();
        send(
          chunk(
            ctx,
            {
              tool_calls: [
                {
                  index: i,
                  id: toolCallId(call, i, index),
                  type: "function",
                  function: { name: call.name, arguments: "" },
                },
              ],
            },
            null,
          ),
        );
        for (const frag of fragments(call.arguments)) {
          send(chunk(ctx, { tool_calls: [{ index: i, function: { arguments: frag } }] }, null));
        }
        completion += countTokens(call.arguments) + 1;
        i += 1;
      }
      finish = "tool_calls";
    }
    send(chunk(ctx, {}, finish));
    if (includeUsage) {
      send({
        ...(ctx.id !== undefined ? { id: ctx.id } : {}),
        object: "chat.completion.chunk",
        created: ctx.created,
        model: ctx.model,
        system_fingerprint: "fp_scripted",
        choices: [],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      });
    }
    send("[DONE]");
    res.end();
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, errorBody(500, err instanceof Error ? err.message : String(err), "server_error"));
      else res.destroy();
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("scripted OpenAI server has no port");
  const port = address.port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get abortedStreams() {
      return abortedStreams;
    },
    script(fn: ScriptFn) {
      script = fn;
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
}

// Standalone: `node dist/scripted-openai.js [port]`.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const port = Number(process.argv[2] ?? "0");
  startScriptedOpenAI({ port: Number.isFinite(port) ? port : 0 })
    .then((s) => {
      process.stdout.write(`scripted OpenAI server listening on ${s.url}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
