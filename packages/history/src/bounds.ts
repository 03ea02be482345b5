import { ToolMessage, type BaseMessage } from "@langchain/core/messages";

/**
 * Size bounds of a session's history (HISTORY_MAX_BYTES, HISTORY_MAX_TOOL_RESULT_BYTES). The model saw a tool's
 * whole result in the turn itself; later turns only need to know roughly what it said, so the stored copy is
 * cut. Without this, three 4 MiB file reads made every later "hi" send 12.7 MB upstream.
 */

/** How a stored entry of a human message begins (encodeMessages: JSON.stringify of {type, data}). */
export const TURN_START_PREFIX = '{"type":"human",';

const contentBytes = (content: BaseMessage["content"]): number =>
  Buffer.byteLength(typeof content === "string" ? content : JSON.stringify(content));

function contentText(content: BaseMessage["content"]): string {
  if (typeof content === "string") return content;
  return content
    .map((part) =>
      typeof part === "object" && part !== null && "text" in part && typeof part.text === "string" ? part.text : "",
    )
    .join("");
}

/** The first `max` bytes of `text`, never ending inside a UTF-8 sequence. */
function headBytes(text: string, max: number): string {
  return Buffer.from(text, "utf8")
    .subarray(0, max)
    .toString("utf8")
    .replace(/\uFFFD+$/, "");
}

/** Tool messages whose content is larger than `maxBytes` are replaced by their head and a marker saying so. */
export function cutToolResults(messages: BaseMessage[], maxBytes: number): BaseMessage[] {
  return messages.map((m) => {
    if (!ToolMessage.isInstance(m)) return m;
    const size = contentBytes(m.content);
    if (size <= maxBytes) return m;
    const content = `${headBytes(contentText(m.content), maxBytes)}\n[cut for the history: the tool returned ${size} bytes, the first ${maxBytes} are kept]`;
    // A fresh message (a spread would carry the original content along in lc_kwargs); the artifact is dropped too.
    return new ToolMessage({
      content,
      tool_call_id: m.tool_call_id,
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.id !== undefined ? { id: m.id } : {}),
      ...(m.status !== undefined ? { status: m.status } : {}),
    });
  });
}

/**
 * How many entries to drop from the head so the session holds at most `maxBytes` (0 = no bound). Whole turns
 * go, oldest first (a turn starts at a human message); the newest turn is always kept. The Redis adapter does
 * the same in its commit script (redis.ts, TRIM_BYTES_LUA).
 */
export function entriesOverBytes(entries: readonly string[], maxBytes: number): number {
  if (maxBytes <= 0) return 0;
  let total = entries.reduce((n, e) => n + Buffer.byteLength(e), 0);
  if (total <= maxBytes) return 0;
  let newest = entries.length - 1;
  while (newest > 0 && !entries[newest]?.startsWith(TURN_START_PREFIX)) newest -= 1;
  let drop = 0;
  while (drop < newest && total > maxBytes) {
    do {
      total -= Buffer.byteLength(entries[drop] ?? "");
      drop += 1;
    } while (drop < newest && !entries[drop]?.startsWith(TURN_START_PREFIX));
  }
  return drop;
}
