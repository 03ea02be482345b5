import type { RecordedRequest, ScriptFn } from "./scripted-openai.js";

/** The names of the tools a request offers. */
export function offeredTools(req: RecordedRequest): string[] {
  return (req.body.tools ?? []).map((t) => {
    const fn = (t as { function?: { name?: unknown } }).function;
    return typeof fn?.name === "string" ? fn.name : "";
  });
}

/** Text of a recorded message's content (string or text parts). */
export function recordedText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((p) => (typeof p === "object" && p !== null && "text" in p ? String((p as { text: unknown }).text) : ""))
      .join("");
  return JSON.stringify(content);
}

/**
 * An upstream model that uses the docs server (apps/mcp-docs) as an LLM would: it calls the offered `…vector_search`
 * with `query`, then the offered `…doc_get` with the id of the best hit it was given back, then answers
 * "docs: <what doc_get returned>". Without docs tools offered it answers "no docs tools offered", so a test sees why.
 */
export function docsAgentScript(query: string): ScriptFn {
  return (req) => {
    const tools = offeredTools(req);
    const search = tools.find((n) => n.endsWith("vector_search"));
    const get = tools.find((n) => n.endsWith("doc_get"));
    if (search === undefined || get === undefined)
      return { kind: "text", chunks: ["no docs tools offered: ", tools.join(", ")] };
    const results = req.body.messages.filter((m) => m.role === "tool").map((m) => recordedText(m.content));
    if (results.length === 0)
      return {
        kind: "tool_calls",
        calls: [{ id: "call_search", name: search, arguments: JSON.stringify({ query, k: 3 }) }],
      };
    if (results.length === 1) {
      const id = /\(id ([^\s,()]+), score /.exec(results[0] ?? "")?.[1];
      if (id === undefined)
        return { kind: "text", chunks: ["the search returned no id: ", (results[0] ?? "").slice(0, 200)] };
      return { kind: "tool_calls", calls: [{ id: "call_get", name: get, arguments: JSON.stringify({ id }) }] };
    }
    return { kind: "text", chunks: ["docs: ", (results[1] ?? "").replace(/\s+/g, " ").slice(0, 300)] };
  };
}
