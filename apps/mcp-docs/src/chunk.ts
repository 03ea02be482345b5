/**
 * Structure-aware chunking with LangChain's RecursiveCharacterTextSplitter in its Markdown mode: it cuts at
 * headings first, then paragraphs, lines and words, with overlap. HTML arrives here as Markdown-like text
 * (see extract.ts) and plain text simply falls through to paragraphs. Each chunk gets the heading path in
 * force where it starts ("Install > Docker"), from the line numbers the splitter records.
 */
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";

export interface Chunk {
  readonly ordinal: number;
  readonly heading: string;
  readonly text: string;
}

/** Heading path per line (1-based), ignoring `#` lines inside fenced code. */
export function headingPaths(text: string): string[] {
  const out: string[] = [""];
  const stack: Array<{ level: number; title: string }> = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (m !== null) {
      const level = (m[1] as string).length;
      while (stack.length > 0 && (stack[stack.length - 1] as { level: number }).level >= level) stack.pop();
      stack.push({ level, title: (m[2] as string).slice(0, 120) });
    }
    out.push(stack.map((s) => s.title).join(" > "));
  }
  return out;
}

export async function chunkText(text: string, chunkSize: number, chunkOverlap: number): Promise<Chunk[]> {
  const splitter = RecursiveCharacterTextSplitter.fromLanguage("markdown", { chunkSize, chunkOverlap });
  const docs = await splitter.createDocuments([text]);
  const paths = headingPaths(text);
  const chunks: Chunk[] = [];
  for (const d of docs) {
    const body = d.pageContent.trim();
    if (body.length === 0) continue;
    const from = Number((d.metadata as { loc?: { lines?: { from?: number } } }).loc?.lines?.from ?? 1);
    chunks.push({ ordinal: chunks.length, heading: paths[from] ?? "", text: body });
  }
  return chunks;
}
