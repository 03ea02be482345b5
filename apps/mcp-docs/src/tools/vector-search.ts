import { z } from "zod";
import type { SearchFilter } from "../store/types.js";
import { addReadOnlyTool, text, type Server, type ToolDeps } from "./common.js";

const pathText = (what: string) =>
  z
    .string()
    .min(1)
    .max(1024)
    .refine((s) => !s.includes("\0"), `${what} must not contain NUL`);

export const FilterSchema = z
  .object({
    source_prefix: pathText("source_prefix")
      .optional()
      .describe('Only documents whose source starts with this ("guides/")'),
    sources: z
      .array(pathText("sources[]"))
      .min(1)
      .max(100)
      .optional()
      .describe("Only these documents (exact source paths)"),
    formats: z
      .array(z.enum(["markdown", "text", "html"]))
      .min(1)
      .max(3)
      .optional()
      .describe("Only these document formats"),
  })
  .strict();

export const HitSchema = z.object({
  id: z.string().describe("Opaque chunk id, for doc_get"),
  source: z.string().describe("Document path relative to the collection's root"),
  title: z.string().describe("Document title"),
  heading: z.string().describe('Heading path where the chunk starts ("Install > Docker"), "" before any heading'),
  score: z.number().describe("hybrid: reciprocal-rank-fusion score; vector: cosine similarity; lexical: BM25"),
  text: z.string().describe("The chunk's text"),
});

export function toFilter(f: z.infer<typeof FilterSchema> | undefined): SearchFilter | undefined {
  if (f === undefined) return undefined;
  const out: { sourcePrefix?: string; sources?: string[]; formats?: Array<"markdown" | "text" | "html"> } = {};
  if (f.source_prefix !== undefined) out.sourcePrefix = f.source_prefix;
  if (f.sources !== undefined) out.sources = f.sources;
  if (f.formats !== undefined) out.formats = f.formats;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The seed's `vector_search(query, k=5)`, plus an optional filter and ranking mode. */
export function registerVectorSearch(server: Server, deps: ToolDeps): void {
  const { limits, retriever } = deps;
  addReadOnlyTool(server, deps, {
    name: "vector_search",
    description:
      `Search the document collection. Returns up to k (default ${limits.defaultK}, at most ${limits.maxK}) chunks, best first, each with an id ` +
      "(pass it to doc_get for the whole chunk, its document and its neighbours), the source path, title, heading, score and text. " +
      "Ranking is hybrid by default (embeddings + BM25, fused by reciprocal rank); mode 'vector' or 'lexical' uses one ranker.",
    title: "Search documents",
    parameters: z.object({
      query: z
        .string()
        .trim()
        .min(1)
        .max(limits.maxQueryChars)
        .describe("What to look for, in natural language or keywords"),
      k: z.number().int().min(1).max(limits.maxK).default(limits.defaultK).describe("How many chunks to return"),
      filter: FilterSchema.optional(),
      mode: z.enum(["hybrid", "vector", "lexical"]).default("hybrid"),
    }),
    outputSchema: z.object({ query: z.string(), mode: z.string(), hits: z.array(HitSchema) }),
    run: async (args) => {
      const hits = await retriever.search(args.query, args.k, toFilter(args.filter), args.mode);
      const out = hits.map((h) => ({
        id: h.chunk.id,
        source: h.chunk.source,
        title: h.chunk.title,
        heading: h.chunk.heading,
        score: Number(h.score.toFixed(6)),
        text: h.chunk.text,
      }));
      const rendered =
        out.length === 0
          ? "No matching chunks."
          : out
              .map(
                (h, i) =>
                  `${i + 1}. ${h.source}${h.heading !== "" ? ` § ${h.heading}` : ""} (id ${h.id}, score ${h.score})\n${h.text}`,
              )
              .join("\n\n");
      return { content: text(rendered), structuredContent: { query: args.query, mode: args.mode, hits: out } };
    },
  });
}
