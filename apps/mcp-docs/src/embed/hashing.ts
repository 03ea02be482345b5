/**
 * The offline embedder: a hashed lexical embedding (feature hashing, "the hashing trick"). It is NOT a
 * neural model and knows no synonyms: two texts are close when they share words, word stems, word pairs
 * or character trigrams. It needs no key, no download and no network, is deterministic, and is fast.
 *
 * Features per text (lower-cased, NFKC, English stop words dropped):
 *   - each word (weight 1) and its crude stem (weight 0.7; "ingestion", "ingested" → "ingest"),
 *   - each pair of consecutive words (weight 0.5),
 *   - the character trigrams of each word with boundary marks (weight 0.25 shared among them).
 * Counts are damped (1 + ln tf), each feature is hashed (FNV-1a) to one of `dimensions` buckets with a
 * hash-derived sign (so collisions cancel out on average), and the vector is scaled to unit length.
 */
import { Embeddings } from "@langchain/core/embeddings";
import { normalize, type Embedder } from "./types.js";

const STOP = new Set(
  "a an and are as at be been but by can could did do does for from had has have how i if in into is it its me my no not of on or our so than that the their them then there these they this those to too us was we were what when where which while who whom why will with would you your".split(
    " ",
  ),
);
const WORD = /[\p{L}\p{N}]+/gu;
const SUFFIXES = ["ations", "ation", "ings", "ing", "ions", "ion", "ers", "er", "ed", "es", "ly", "s"];

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.normalize("NFKC").toLowerCase().matchAll(WORD)) {
    const w = m[0];
    if (!STOP.has(w)) out.push(w);
  }
  return out;
}

export function stem(word: string): string {
  for (const s of SUFFIXES) if (word.length - s.length >= 3 && word.endsWith(s)) return word.slice(0, -s.length);
  return word;
}

function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function hashingVector(text: string, dimensions: number): number[] {
  const counts = new Map<string, number>();
  const add = (f: string, w: number) => counts.set(f, (counts.get(f) ?? 0) + w);
  const words = tokenize(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    add(`w:${w}`, 1);
    const st = stem(w);
    if (st !== w) add(`w:${st}`, 0.7);
    const next = words[i + 1];
    if (next !== undefined) add(`b:${st} ${stem(next)}`, 0.5);
    const marked = `<${w}>`;
    const grams = Math.max(1, marked.length - 2);
    for (let j = 0; j + 3 <= marked.length; j++) add(`t:${marked.slice(j, j + 3)}`, 0.25 / grams);
  }
  const v = new Array<number>(dimensions).fill(0);
  for (const [feature, weight] of counts) {
    const h = fnv1a(feature, 0);
    const sign = (fnv1a(feature, 0x9e3779b9) & 1) === 0 ? 1 : -1;
    const idx = h % dimensions;
    v[idx] = (v[idx] ?? 0) + sign * (1 + Math.log(weight < 1 ? 1 : weight)) * Math.min(weight, 1);
  }
  return normalize(v);
}

export class HashingEmbeddings extends Embeddings {
  constructor(readonly dimensions: number) {
    super({});
  }

  embedDocuments(documents: string[]): Promise<number[][]> {
    return Promise.resolve(documents.map((d) => hashingVector(d, this.dimensions)));
  }

  embedQuery(document: string): Promise<number[]> {
    return Promise.resolve(hashingVector(document, this.dimensions));
  }
}

export function hashingEmbedder(dimensions: number): Embedder {
  return { id: `hashing-v1:${dimensions}`, embeddings: new HashingEmbeddings(dimensions) };
}
