/**
 * The offline demo model's questions about the docs: "search the docs for …", "what do the docs say about …".
 * With a `vector_search` tool bound (the docs server, apps/mcp-docs) the model searches, then reads the best hit with
 * `doc_get`, then quotes it: the agent stream shows vector_search → doc_get out of the box. Pure functions: the
 * model (offline.ts) resolves the tool names and builds the messages.
 */

export interface DocsIntent {
  /** What to search for. */
  query: string;
}

// "the docs" / "the documentation" (not "the docs folder" or "docs/…", which are file questions)
const DOCS_NOUN = String.raw`(?:docs|documentation)(?![\w/.-]|\s+(?:folder|directory|dir)\b)`;
const DOCS_MENTION = new RegExp(
  String.raw`\b(?:the|your|our|project'?s?)\s+${DOCS_NOUN}|\bsearch\s+(?:in\s+)?${DOCS_NOUN}|\bdocumentation\b(?![\w/.-])`,
  "i",
);
const QUERY_AFTER = new RegExp(String.raw`\b${DOCS_NOUN}[^?!]*?\b(?:for|about|on|regarding)\s+(.+)$`, "i");
const DOCS_PHRASE = new RegExp(
  String.raw`\b(?:(?:please\s+)?(?:search|look\s+up|check|query|ask)\s+)?(?:in\s+|from\s+|according\s+to\s+)?(?:the\s+|your\s+|our\s+)?${DOCS_NOUN}(?:\s+say)?,?`,
  "gi",
);
const LEAD_WORDS = /^(?:what|how|do|does|can|please|and|so)?\s*(?:do|does)?\s*$/i;

const clean = (s: string): string =>
  s
    .replace(/\s+/g, " ")
    .replace(/^[\s,:;-]+|[\s,:;.?!-]+$/g, "")
    .replace(/^(?:please\s+)?(?:search(?:\s+for)?|look\s+up|find|check)\s+/i, "")
    .trim();

/** A question about the docs and what to search for, or undefined. */
export function detectDocsIntent(input: string): DocsIntent | undefined {
  const text = input.trim();
  if (!DOCS_MENTION.test(text)) return undefined;
  const after = QUERY_AFTER.exec(text)?.[1];
  let query = after !== undefined ? clean(after) : "";
  if (query === "") {
    const rest = clean(text.replace(DOCS_PHRASE, " "));
    query = LEAD_WORDS.test(rest) ? "" : rest;
  }
  return query === "" ? undefined : { query: query.slice(0, 500) };
}

/** The id of the best hit in vector_search's text result (`1. source § heading (id …, score …)`), if any. */
export function topHitId(result: string): string | undefined {
  return /\(id ([^\s,()]+), score /.exec(result)?.[1];
}

const firstLines = (text: string, n: number): string[] => {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  return lines.slice(0, n).map((l) => (l.length > 200 ? `${l.slice(0, 199)}…` : l));
};

/** The offline model's words for a docs tool's result, or undefined when the tool is not a docs tool. */
export function docsToolSummary(base: string, args: Record<string, unknown>, result: string): string | undefined {
  if (base === "vector_search") {
    const query = typeof args.query === "string" ? args.query : "that";
    const hits = [...result.matchAll(/^\d+\. (.+?) \(id [^\s,()]+, score [^)]*\)$/gm)].map((m) => m[1] ?? "");
    if (hits.length === 0) return `The docs have nothing on "${query}".`;
    return `Searching the docs for "${query}" found ${hits.length === 1 ? "1 passage" : `${hits.length} passages`}: ${hits.join("; ")}.`;
  }
  if (base === "doc_get") {
    // doc_get's text: a header line (title — source (chunk i of n, § heading)), then the chunk
    const [header, ...rest] = firstLines(result, 1_000);
    if (header === undefined) return "The docs passage was empty.";
    // the header already names the section: quote the chunk's first lines of text, not its Markdown headings
    const body = rest.filter((l) => !/^#{1,6}\s/.test(l)).slice(0, 3);
    return `The docs answer this in ${header}:\n${body.join("\n")}`;
  }
  return undefined;
}
