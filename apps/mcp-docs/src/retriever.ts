import { errorMessage } from "@acb/logger";
/**
 * Hybrid retrieval: the store's vector search and the BM25 ranker each return a candidate list, fused by
 * reciprocal rank fusion (score = Σ 1 / (60 + rank)), which needs no score calibration between the two.
 * "vector" and "lexical" modes return one ranker's list alone (the evaluation compares all three).
 */
import type { Logger } from "./log.js";
import type { Embedder } from "./embed/types.js";
import { DocsError } from "./errors.js";
import { LexicalIndex } from "./lexical.js";
import type { ChunkRecord, CollectionMeta, SearchFilter, VectorStore } from "./store/types.js";

export type SearchMode = "hybrid" | "vector" | "lexical";
export const RRF_K = 60;

export interface RetrievedHit {
  readonly chunk: ChunkRecord;
  /** hybrid: the RRF score; vector: cosine similarity; lexical: the BM25 score. */
  readonly score: number;
  readonly vectorRank?: number;
  readonly lexicalRank?: number;
}

export class Retriever {
  private lexical: { generation: number; index: LexicalIndex; byId: Map<string, ChunkRecord> } | undefined;
  private building: Promise<void> | undefined;

  constructor(
    private readonly store: VectorStore,
    private readonly embedder: Embedder,
    private readonly log: Logger,
  ) {}

  /** The collection's metadata, checked against this embedder. */
  async collection(): Promise<CollectionMeta> {
    const meta = await this.store.meta();
    if (meta === undefined)
      throw new DocsError("NOT_INGESTED", "the collection is empty: run `mcp-docs ingest --root DIR` first");
    if (meta.embedder !== this.embedder.id) {
      throw new DocsError(
        "EMBEDDINGS",
        `the collection was built with ${meta.embedder} but the server embeds queries with ${this.embedder.id}; set the same DOCS_EMBEDDINGS* values as at ingestion`,
      );
    }
    return meta;
  }

  private async lexicalFor(meta: CollectionMeta): Promise<{ index: LexicalIndex; byId: Map<string, ChunkRecord> }> {
    while (this.lexical?.generation !== meta.generation) {
      if (this.building === undefined) {
        this.building = (async () => {
          const t0 = Date.now();
          const index = new LexicalIndex();
          const byId = new Map<string, ChunkRecord>();
          for await (const page of this.store.scanChunks(5000)) {
            index.add(page);
            for (const c of page) byId.set(c.id, c);
          }
          this.lexical = { generation: meta.generation, index, byId };
          this.log.info(`lexical index: ${index.size} chunks (generation ${meta.generation}) in ${Date.now() - t0} ms`);
        })().finally(() => {
          this.building = undefined;
        });
      }
      await this.building;
      if (this.lexical !== undefined && this.lexical.generation >= meta.generation) break;
    }
    const l = this.lexical;
    if (l === undefined) throw new DocsError("INTERNAL", "lexical index unavailable");
    return l;
  }

  async search(query: string, k: number, filter: SearchFilter | undefined, mode: SearchMode): Promise<RetrievedHit[]> {
    const meta = await this.collection();
    const pool = Math.max(k * 4, 20);
    if (mode === "lexical") {
      const lex = await this.lexicalFor(meta);
      return lex.index.search(query, k, filter).flatMap((h, i) => {
        const chunk = lex.byId.get(h.id);
        return chunk === undefined ? [] : [{ chunk, score: h.score, lexicalRank: i + 1 }];
      });
    }
    let vector: number[];
    try {
      vector = await this.embedder.embeddings.embedQuery(query);
    } catch (err) {
      this.log.error("query embedding failed", { error: errorMessage(err) });
      throw new DocsError("EMBEDDINGS", "the embeddings service failed to embed the query");
    }
    if (mode === "vector") {
      const hits = await this.store.vectorSearch(vector, k, filter);
      return hits.map((h, i) => ({ chunk: h.chunk, score: h.similarity, vectorRank: i + 1 }));
    }
    const [vhits, lex] = await Promise.all([this.store.vectorSearch(vector, pool, filter), this.lexicalFor(meta)]);
    const lhits = lex.index.search(query, pool, filter);
    const fused = new Map<string, { chunk: ChunkRecord; score: number; vectorRank?: number; lexicalRank?: number }>();
    vhits.forEach((h, i) => fused.set(h.chunk.id, { chunk: h.chunk, score: 1 / (RRF_K + i + 1), vectorRank: i + 1 }));
    lhits.forEach((h, i) => {
      const prior = fused.get(h.id);
      const add = 1 / (RRF_K + i + 1);
      if (prior !== undefined) {
        prior.score += add;
        prior.lexicalRank = i + 1;
        return;
      }
      const chunk = lex.byId.get(h.id);
      if (chunk !== undefined) fused.set(h.id, { chunk, score: add, lexicalRank: i + 1 });
    });
    return [...fused.values()].sort((a, b) => b.score - a.score || a.chunk.id.localeCompare(b.chunk.id)).slice(0, k);
  }
}
