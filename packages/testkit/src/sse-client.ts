import { SseParser, type SseMessage } from "@acb/schemas";

export interface SseResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly messages: SseMessage[];
  readonly comments: number;
  /** The raw body text, for assertions on framing. */
  readonly raw: string;
}

/** POSTs (or GETs) and reads a whole SSE response with the shared parser. */
export async function readSse(
  url: string,
  init: RequestInit = {},
  options: { timeoutMs?: number } = {},
): Promise<SseResponse> {
  const res = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  const parser = new SseParser();
  const messages: SseMessage[] = [];
  let raw = "";
  if (res.body) {
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      raw += text;
      messages.push(...parser.feed(text));
    }
  }
  return { status: res.status, headers: res.headers, messages, comments: parser.comments, raw };
}

/** Streams SSE messages as they arrive (for tests that act mid-stream). */
export async function* streamSse(res: Response): AsyncGenerator<SseMessage> {
  const parser = new SseParser();
  if (!res.body) return;
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    for (const m of parser.feed(decoder.decode(chunk, { stream: true }))) yield m;
  }
}

export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** The answer as the client saw it: the text of a stream's token events (SSE messages, WS frames, turn events), joined. */
export const tokenText = (events: ReadonlyArray<{ readonly event?: string; readonly data?: string }>): string =>
  events
    .filter((e) => e.event === "token")
    .map((e) => e.data ?? "")
    .join("");
