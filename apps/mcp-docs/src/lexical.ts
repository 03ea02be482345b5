/**
 * The lexical ranker: BM25 (MiniSearch's BM25+) over chunk text, heading and title, with the same
 * tokenizer and stemmer as the hashing embedder. Built in memory from the store and rebuilt when the
 * collection's generation moves (an ingestion run finished).
 */
import MiniSearch from "minisearch";
import { stem, tokenize } from "./embed/hashing.js";
import { matchesFilter, type ChunkRecord, type DocFormat, type SearchFilter } from "./store/types.js";

interface Stored {
  source: string;
  format: DocFormat;
}

export interface LexicalHit {
  readonly id: string;
  readonly score: number;
}

export class LexicalIndex {
  private readonly mini = new MiniSearch<ChunkRecord>({
    fields: ["text", "heading", "title"],
    storeFields: ["source", "format"],
    tokenize: (text) => tokenize(text),
    processTerm: (term) => stem(term),
  });

  get size(): number {
    return this.mini.documentCount;
  }

  add(chunks: readonly ChunkRecord[]): void {
    this.mini.addAll(chunks);
  }

  search(query: string, k: number, filter: SearchFilter | undefined): LexicalHit[] {
    if (tokenize(query).length === 0) return [];
    const results = this.mini.search(query, {
      boost: { heading: 2, title: 1.5 },
      combineWith: "OR",
      ...(filter !== undefined ? { filter: (r) => matchesFilter(r as unknown as Stored, filter) } : {}),
    });
    return results.slice(0, k).map((r) => ({ id: String(r.id), score: r.score }));
  }
}
