import type { LoggedTurnEvent, UIMessageChunk } from "@acb/schemas";
import { DONE_FRAME } from "../http/sse-frames.js";

/**
 * A turn's events as the AI SDK UI message stream v1: `start`, `start-step`, `text-start/delta/end`,
 * `tool-input-available` / `tool-output-available` (dynamic tools: the client need not know the MCP tools),
 * `finish-step`, `finish`, `error`, `[DONE]`. Stateful (is a text part open?), so a resume after an event id
 * replays the earlier events through it silently and writes only what follows.
 */
export class UIStreamTranslator {
  private textId: string | undefined;
  private parts = 0;

  constructor(private readonly messageId: string) {}

  opening(): UIMessageChunk[] {
    return [{ type: "start", messageId: this.messageId }, { type: "start-step" }];
  }

  next(event: LoggedTurnEvent["event"]): UIMessageChunk[] {
    const out: UIMessageChunk[] = [];
    switch (event.event) {
      case "token":
        if (this.textId === undefined) {
          this.parts += 1;
          this.textId = `text-${this.parts}`;
          out.push({ type: "text-start", id: this.textId });
        }
        out.push({ type: "text-delta", id: this.textId, delta: event.data });
        break;
      case "tool_start":
        this.closeText(out);
        out.push({
          type: "tool-input-available",
          toolCallId: event.call_id ?? event.data,
          toolName: event.data,
          input: event.input ?? {},
          dynamic: true,
        });
        break;
      case "tool_end":
        out.push(
          event.is_error === true
            ? {
                type: "tool-output-error",
                toolCallId: event.call_id ?? event.data,
                errorText: event.output ?? "the tool failed",
                dynamic: true,
              }
            : {
                type: "tool-output-available",
                toolCallId: event.call_id ?? event.data,
                output: event.output ?? "",
                dynamic: true,
              },
        );
        // The model reads the tool result in a new step.
        out.push({ type: "finish-step" }, { type: "start-step" });
        break;
      case "error":
        this.closeText(out);
        out.push({ type: "error", errorText: event.data });
        break;
      case "done":
        this.closeText(out);
        out.push({ type: "finish-step" }, { type: "finish" });
        break;
    }
    return out;
  }

  private closeText(out: UIMessageChunk[]): void {
    if (this.textId === undefined) return;
    out.push({ type: "text-end", id: this.textId });
    this.textId = undefined;
  }
}

/** SSE frames of the UI stream; the last frame of each turn event carries its id (a `Last-Event-ID` resume point). */
export async function* uiStreamFrames(
  messageId: string,
  afterId: string,
  replay: LoggedTurnEvent[],
  live: AsyncIterable<LoggedTurnEvent>,
): AsyncGenerator<string> {
  const translator = new UIStreamTranslator(messageId);
  const opening = translator.opening();
  for (const e of replay) translator.next(e.event);
  if (afterId === "0") for (const chunk of opening) yield `data: ${JSON.stringify(chunk)}\n\n`;
  for await (const entry of live) {
    const chunks = translator.next(entry.event);
    for (const [i, chunk] of chunks.entries())
      yield `${i === chunks.length - 1 ? `id: ${entry.id}\n` : ""}data: ${JSON.stringify(chunk)}\n\n`;
    if (entry.event.event === "done") yield DONE_FRAME;
  }
}
