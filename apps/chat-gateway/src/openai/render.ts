import type { ChatCompletionChunk, OpenAIUsage, TurnEvent } from "@acb/schemas";

const escapeAttr = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\n/g, "&#10;");

/** Open WebUI's collapsible tool call block: `<details type="tool_calls" done="true" id name arguments result>`. */
export function toolCallDetails(call: { id: string; name: string; input: unknown; output: string }): string {
  const args = JSON.stringify(call.input ?? {});
  const result = JSON.stringify(call.output);
  return `<details type="tool_calls" done="true" id="${escapeAttr(call.id)}" name="${escapeAttr(call.name)}" arguments="${escapeAttr(args)}" result="${escapeAttr(result)}">\n<summary>Tool Executed</summary>\n</details>\n`;
}

/**
 * Turns a turn's events into the assistant's content, piece by piece: tokens as they are; tool calls hidden,
 * or (showTools) one `<details>` block each when the call ends. `error`/`done` give no content.
 */
export class ContentRenderer {
  private readonly inputs = new Map<string, unknown>();
  private calls = 0;

  constructor(private readonly showTools: boolean) {}

  next(event: TurnEvent): string | undefined {
    if (event.event === "token") return event.data;
    if (!this.showTools) return undefined;
    if (event.event === "tool_start") {
      this.inputs.set(event.call_id ?? event.data, event.input);
      return undefined;
    }
    if (event.event === "tool_end") {
      const key = event.call_id ?? event.data;
      const input = this.inputs.get(key);
      this.inputs.delete(key);
      this.calls += 1;
      return toolCallDetails({
        id: event.call_id ?? `call_${this.calls}`,
        name: event.data,
        input,
        output: event.output ?? "",
      });
    }
    return undefined;
  }
}

/**
 * Token counts are not carried by the turn's events yet, so usage is an estimate (≈ 4 characters per token),
 * documented as such; clients that bill on it should ask the provider.
 */
export function estimateUsage(promptChars: number, completionChars: number): OpenAIUsage {
  const prompt = Math.ceil(promptChars / 4);
  const completion = Math.ceil(completionChars / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function chunk(
  base: { id: string; created: number; model: string },
  delta: ChatCompletionChunk["choices"][number]["delta"],
  finish: ChatCompletionChunk["choices"][number]["finish_reason"] = null,
): ChatCompletionChunk {
  return {
    id: base.id,
    object: "chat.completion.chunk",
    created: base.created,
    model: base.model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  };
}
