import type { RecordedRequest, ScriptedReply } from "@acb/testkit";

export function toolNames(req: RecordedRequest): string[] {
  return (req.body.tools ?? []).map((t) => {
    const fn = (t as { function?: { name?: unknown } }).function;
    return typeof fn?.name === "string" ? fn.name : "";
  });
}

export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "object" && p !== null && "text" in p ? String((p as { text: unknown }).text) : "")).join("");
  return JSON.stringify(content);
}

/**
 * The scripted upstream used by the distributed tests:
 * - "list files" with tools offered → a real tool call of the list_dir tool; after the tool answers → "files: <result>";
 * - "slow:<n>:<text>" → the words of <text> one every <n> ms;
 * - anything else → "echo: <input>" word by word.
 */
export function pipelineScript(req: RecordedRequest): ScriptedReply {
  const last = req.body.messages.at(-1);
  if (last?.role === "tool") return { kind: "text", chunks: ["files: ", contentText(last.content).replace(/\s+/g, " ").slice(0, 300)] };
  const input = contentText(last?.content ?? "");
  const listDir = toolNames(req).find((n) => n.endsWith("list_dir"));
  if (/list files/i.test(input) && listDir) return { kind: "tool_calls", calls: [{ name: listDir, arguments: JSON.stringify({ path: "." }) }] };
  const slow = /^slow:(\d+):(.*)$/s.exec(input);
  if (slow) return { kind: "text", chunks: (slow[2] ?? "").split(/(?<= )/), delayMs: Number(slow[1]) };
  return { kind: "text", chunks: `echo: ${input}`.split(/(?<= )/) };
}
