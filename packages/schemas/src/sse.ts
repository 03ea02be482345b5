/**
 * Server-Sent Events framing, written once for the gateway (writer) and every client in tests and benches
 * (parser). Multi-line data is split into several `data:` lines, which the SSE spec joins back with "\n",
 * so a chunk containing newlines arrives exactly as sent.
 */
export interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

export function formatSse(message: SseMessage): string {
  let out = "";
  if (message.id !== undefined) out += `id: ${stripLineBreaks(message.id)}\n`;
  if (message.event !== undefined) out += `event: ${stripLineBreaks(message.event)}\n`;
  // "\r\n", "\r" and "\n" are all line ends in SSE; normalise so a lone "\r" cannot end a line early.
  for (const line of message.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

export const SSE_HEARTBEAT = ": ping\n\n";

function stripLineBreaks(value: string): string {
  return value.replace(/[\r\n]/g, "");
}

/** Incremental SSE parser (per the WHATWG spec): feed it text, get whole messages back. Comments are skipped. */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event: string | undefined;
  private id: string | undefined;
  private hasData = false;
  /** Comment lines seen so far (": ping"), for tests of heartbeats. */
  comments = 0;

  feed(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone "\r" at the end of the buffer may be the first half of "\r\n": wait for more.
      if (match[0] === "\r" && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === "") {
      if (!this.hasData && this.event === undefined) return undefined;
      const message: SseMessage = {
        data: this.data.join("\n"),
        ...(this.event !== undefined ? { event: this.event } : {}),
        ...(this.id !== undefined ? { id: this.id } : {}),
      };
      this.data = [];
      this.event = undefined;
      this.hasData = false;
      return message;
    }
    if (line.startsWith(":")) {
      this.comments += 1;
      return undefined;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      this.data.push(value);
      this.hasData = true;
    } else if (field === "event") this.event = value;
    else if (field === "id") this.id = value;
    return undefined;
  }
}
