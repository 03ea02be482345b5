/** What both adapters share: rows → records, and the check that a collection was built with this embedder. */
import { DocsError } from "../errors.js";
import type { ChunkRecord, CollectionMeta, DocFormat, DocumentRecord } from "./types.js";

export type Row = Record<string, unknown>;

export function toChunk(r: Row): ChunkRecord {
  return {
    id: String(r.id),
    source: String(r.source),
    hash: String(r.hash),
    ordinal: Number(r.ordinal),
    title: String(r.title),
    heading: String(r.heading),
    format: String(r.format) as DocFormat,
    text: String(r.text),
  };
}

export function toDoc(r: Row): DocumentRecord {
  return {
    source: String(r.source),
    hash: String(r.hash),
    title: String(r.title),
    format: String(r.format) as DocFormat,
    bytes: Number(r.bytes),
    chunks: Number(r.chunks),
    ingestedAt: String(r.ingested_at),
  };
}

/** An existing collection is reused only with the embedder (and dimension) that built it. */
export function checkEmbedder(existing: CollectionMeta, embedder: string, dimensions: number): CollectionMeta {
  if (existing.embedder !== embedder || existing.dimensions !== dimensions) {
    throw new DocsError(
      "EMBEDDINGS",
      `the collection was built with ${existing.embedder} (${existing.dimensions} dimensions), not ${embedder} (${dimensions}); re-ingest with --rebuild to switch`,
    );
  }
  return existing;
}
