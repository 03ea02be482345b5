import type { Embeddings } from "@langchain/core/embeddings";

/**
 * One embedding interface: LangChain's `Embeddings` (embedDocuments / embedQuery), plus an id that is
 * recorded with the collection so a query is never compared with vectors from another model.
 */
export interface Embedder {
  /** e.g. "hashing-v1:512" or "openai:text-embedding-3-small"; stored in the collection's metadata. */
  readonly id: string;
  readonly embeddings: Embeddings;
}

/** Scales a vector to unit length (cosine similarity becomes a dot product); the zero vector stays zero. */
export function normalize(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  return v.map((x) => x * inv);
}
