/**
 * The storage port. A collection holds documents (one per ingested file: its source path relative to the
 * collection's root and its content hash) and their chunks (text, heading, position and vector).
 *
 * Interrupt safety rests on one rule that every adapter keeps: a document's record is written LAST (after
 * all of its chunks) and removed FIRST. A run cut off in the middle leaves a file without a record, so the
 * next run re-ingests it, and `sweepOrphans` drops chunks whose document has no record or another hash.
 */
export type DocFormat = "markdown" | "text" | "html";

export interface DocumentRecord {
  /** Path relative to the collection's root, `/`-separated. */
  readonly source: string;
  /** sha256 of the file's bytes, hex. */
  readonly hash: string;
  readonly title: string;
  readonly format: DocFormat;
  readonly bytes: number;
  readonly chunks: number;
  /** ISO time of ingestion. */
  readonly ingestedAt: string;
}

export interface ChunkRecord {
  /** Opaque id: `<collection id>~<source digest>~<ordinal>` (see ids.ts). */
  readonly id: string;
  readonly source: string;
  /** The document's hash this chunk was cut from. */
  readonly hash: string;
  readonly ordinal: number;
  readonly title: string;
  /** Heading path at the chunk's start, "Install > Docker"; "" before any heading. */
  readonly heading: string;
  readonly format: DocFormat;
  readonly text: string;
}

export interface StoredChunk extends ChunkRecord {
  readonly vector: readonly number[];
}

export interface SearchFilter {
  /** Only sources starting with this prefix ("guides/"). */
  readonly sourcePrefix?: string;
  /** Only these sources (exact). */
  readonly sources?: readonly string[];
  readonly formats?: readonly DocFormat[];
}

export interface VectorHit {
  readonly chunk: ChunkRecord;
  /** Cosine similarity in [-1, 1]. */
  readonly similarity: number;
}

export interface CollectionMeta {
  /** Random id minted when the collection was created; the prefix of every chunk id. */
  readonly id: string;
  readonly embedder: string;
  readonly dimensions: number;
  /** Bumped by every change: readers rebuild their lexical index when it moves. */
  readonly generation: number;
}

export interface VectorStore {
  readonly kind: "lance" | "postgres";
  /** The collection's metadata, or undefined when nothing was ever ingested into it. */
  meta(): Promise<CollectionMeta | undefined>;
  /**
   * Creates the collection for this embedder, or checks that the existing one was built with it.
   * `rebuild` drops an existing collection first.
   */
  prepare(embedder: string, dimensions: number, rebuild: boolean): Promise<CollectionMeta>;
  documents(): Promise<DocumentRecord[]>;
  /** Replaces a document: its record is removed first and written last (see above). */
  putDocument(doc: DocumentRecord, chunks: readonly StoredChunk[]): Promise<void>;
  deleteDocument(source: string): Promise<void>;
  /** Drops chunks whose document has no record or a different hash; returns how many. */
  sweepOrphans(): Promise<number>;
  /** Marks the end of an ingestion run (bumps the generation). */
  touch(): Promise<CollectionMeta>;
  getChunk(id: string): Promise<ChunkRecord | undefined>;
  /** Chunks of one document with ordinal in [from, to], in order. */
  chunkRange(source: string, from: number, to: number): Promise<ChunkRecord[]>;
  getDocument(source: string): Promise<DocumentRecord | undefined>;
  /** Every chunk without its vector, in pages (for the lexical index). */
  scanChunks(pageSize: number): AsyncIterable<ChunkRecord[]>;
  vectorSearch(vector: readonly number[], k: number, filter: SearchFilter | undefined): Promise<VectorHit[]>;
  /** Builds the approximate index when the collection is big enough to want one (no-op otherwise). */
  optimize(): Promise<void>;
  close(): Promise<void>;
}

/** Both stores: `optimize` builds the vector index from this many chunks on (below it an exact scan is fast enough). */
export const INDEX_MIN_ROWS = 5000;
/** Both stores: the index search breadth (HNSW ef_search) at the least, for recall. */
export const EF_SEARCH = 100;

/** Exact, for the filter semantics every adapter must match. */
export function matchesFilter(c: { source: string; format: DocFormat }, f: SearchFilter | undefined): boolean {
  if (f === undefined) return true;
  if (f.sourcePrefix !== undefined && !c.source.startsWith(f.sourcePrefix)) return false;
  if (f.sources !== undefined && !f.sources.includes(c.source)) return false;
  if (f.formats !== undefined && !f.formats.includes(c.format)) return false;
  return true;
}
