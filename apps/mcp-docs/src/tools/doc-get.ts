import { z } from "zod";
import { DocsError } from "../errors.js";
import { parseChunkId } from "../ids.js";
import type { ChunkRecord } from "../store/types.js";
import { addReadOnlyTool, text, type Server, type ToolDeps } from "./common.js";

const ChunkSchema = z.object({ id: z.string(), ordinal: z.number().int(), heading: z.string(), text: z.string() });

const brief = (c: ChunkRecord) => ({ id: c.id, ordinal: c.ordinal, heading: c.heading, text: c.text });

/** The seed's `doc_get(id)`: one chunk, its document's metadata, and optionally its neighbours. */
export function registerDocGet(server: Server, deps: ToolDeps): void {
  const { limits, retriever, store } = deps;
  addReadOnlyTool(server, deps, {
    name: "doc_get",
    description:
      "Fetch one chunk by the id vector_search returned: its whole text, heading and position, and its document's metadata " +
      `(source, title, format, size, chunk count). neighbours=N (0-${limits.maxNeighbours}) adds up to N chunks before and after it.`,
    title: "Get a document chunk",
    parameters: z.object({
      id: z.string().min(1).max(128).describe("A chunk id from vector_search"),
      neighbours: z.number().int().min(0).max(limits.maxNeighbours).default(0).describe("Chunks to add on each side"),
    }),
    outputSchema: z.object({
      id: z.string(),
      source: z.string(),
      title: z.string(),
      heading: z.string(),
      ordinal: z.number().int(),
      text: z.string(),
      document: z.object({
        source: z.string(),
        title: z.string(),
        format: z.string(),
        bytes: z.number().int(),
        chunks: z.number().int(),
        hash: z.string(),
        ingested_at: z.string(),
      }),
      before: z.array(ChunkSchema),
      after: z.array(ChunkSchema),
    }),
    run: async (args) => {
      const parsed = parseChunkId(args.id);
      if (parsed === undefined)
        throw new DocsError("INVALID_ARGUMENT", "id is not a chunk id (use an id returned by vector_search)");
      const meta = await retriever.collection();
      if (parsed.collection !== meta.id)
        throw new DocsError(
          "OTHER_COLLECTION",
          "id belongs to another collection (or to one since rebuilt): search again",
        );
      const chunk = await store.getChunk(args.id);
      if (chunk === undefined)
        throw new DocsError(
          "NOT_FOUND",
          "no chunk has this id (its document may have changed or been removed): search again",
        );
      const doc = await store.getDocument(chunk.source);
      if (doc === undefined) throw new DocsError("NOT_FOUND", "the chunk's document was removed: search again");
      const n = args.neighbours;
      const around =
        n === 0 ? [] : await store.chunkRange(chunk.source, Math.max(0, chunk.ordinal - n), chunk.ordinal + n);
      const before = around.filter((c) => c.ordinal < chunk.ordinal).map(brief);
      const after = around.filter((c) => c.ordinal > chunk.ordinal).map(brief);
      const structured = {
        id: chunk.id,
        source: chunk.source,
        title: chunk.title,
        heading: chunk.heading,
        ordinal: chunk.ordinal,
        text: chunk.text,
        document: {
          source: doc.source,
          title: doc.title,
          format: doc.format,
          bytes: doc.bytes,
          chunks: doc.chunks,
          hash: doc.hash,
          ingested_at: doc.ingestedAt,
        },
        before,
        after,
      };
      const header = `${doc.title} — ${doc.source} (chunk ${chunk.ordinal + 1} of ${doc.chunks}${chunk.heading !== "" ? `, § ${chunk.heading}` : ""})`;
      const body = [...before.map((c) => c.text), chunk.text, ...after.map((c) => c.text)].join("\n\n");
      return { content: text(header, body), structuredContent: structured };
    },
  });
}
