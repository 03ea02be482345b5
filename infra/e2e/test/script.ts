import {
  offeredTools as toolNames,
  recordedText as contentText,
  type RecordedRequest,
  type ScriptedReply,
} from "@acb/testkit";

// one reading of a recorded request, shared with the testkit's scripts
export { offeredTools as toolNames, recordedText as contentText } from "@acb/testkit";

/**
 * The scripted upstream used by the distributed tests:
 * - "list files" with tools offered → a real tool call of the list_dir tool; after the tool answers → "files: <result>";
 * - "slow:<n>:<text>" → the words of <text> one every <n> ms;
 * - anything else → "echo: <input>" word by word.
 */
export function pipelineScript(req: RecordedRequest): ScriptedReply {
  const last = req.body.messages.at(-1);
  if (last?.role === "tool")
    return { kind: "text", chunks: ["files: ", contentText(last.content).replace(/\s+/g, " ").slice(0, 300)] };
  const input = contentText(last?.content ?? "");
  const listDir = toolNames(req).find((n) => n.endsWith("list_dir"));
  if (/list files/i.test(input) && listDir)
    return { kind: "tool_calls", calls: [{ name: listDir, arguments: JSON.stringify({ path: "." }) }] };
  const slow = /^slow:(\d+):(.*)$/s.exec(input);
  if (slow) return { kind: "text", chunks: (slow[2] ?? "").split(/(?<= )/), delayMs: Number(slow[1]) };
  return { kind: "text", chunks: `echo: ${input}`.split(/(?<= )/) };
}
