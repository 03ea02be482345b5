#!/usr/bin/env node
/**
 * Benchmark (prints figures, gates nothing). Per store:
 *   - ingest: the whole pipeline (walk, hash, extract, chunk, hashing embedder, write) on generated Markdown, in chunks/s;
 *   - search at N chunks: the store's vector search (ANN once `optimize` built the index) and its exact search
 *     (index bypassed), p50/p99 over the same queries, beside an in-process brute-force scan (JS dot products
 *     over a Float32Array) measured in the same run; and the ANN's recall@10 against that exact scan.
 * Default N = 10,000; --full adds 100,000. --stores lance,postgres picks stores. Postgres is PGlite (WASM,
 * single-threaded) with pgvector behind pglite-socket unless DOCS_BENCH_DATABASE_URL names a real server.
 * Usage: pnpm --dir apps/mcp-docs bench [--full] [--stores lance]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { hashingEmbedder, hashingVector } from "./embed/hashing.js";
import { chunkId } from "./ids.js";
import { rebuildQuietly } from "./ingest.js";
import { createLogger } from "./log.js";
import { LanceStore } from "./store/lance.js";
import { PostgresStore } from "./store/postgres.js";
import type { StoredChunk, VectorStore } from "./store/types.js";

const DIM = 384;
const QUERIES = 100;
const K = 10;
const log = createLogger("warn");

/** Deterministic pseudo-random words with a Zipf-like skew, so texts share words as real ones do. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const VOCAB = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}x${((i * 7919) % 997).toString(36)}`);
function sentence(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(VOCAB[Math.floor(VOCAB.length * r() ** 2.5)] as string);
  return out.join(" ");
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}
const ms = (x: number) => `${x.toFixed(2)} ms`;

interface StoreFactory {
  readonly name: string;
  open(
    tag: string,
  ): Promise<VectorStore & { exactSearch(v: readonly number[], k: number): Promise<Array<{ chunk: { id: string } }>> }>;
  close(): Promise<void>;
}

async function lanceFactory(): Promise<StoreFactory> {
  const dir = mkdtempSync(join(tmpdir(), "mcpdocs-bench-lance-"));
  return {
    name: "lance (IVF_HNSW_SQ)",
    open: (tag) => LanceStore.open(dir, tag),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresFactory(): Promise<StoreFactory> {
  const url = process.env.DOCS_BENCH_DATABASE_URL;
  if (url !== undefined && url !== "")
    return {
      name: "postgres (server, HNSW)",
      open: async (tag) => PostgresStore.open(url, tag, 4),
      close: async () => undefined,
    };
  const { PGlite } = await import("@electric-sql/pglite");
  const { vector } = await import("@electric-sql/pglite/vector");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" });
  await server.start();
  const port = Number(server.getServerConn().split(":").pop());
  // PGlite serves one connection at a time: one pool of one, shared by every store the bench opens
  const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, max: 1 });
  return {
    name: "postgres (PGlite WASM + pgvector HNSW)",
    open: async (tag) => Object.assign(new PostgresStore(pool, tag), { close: async () => undefined }),
    close: async () => {
      await pool.end();
      await server.stop();
      await db.close();
    },
  };
}

async function benchIngest(f: StoreFactory): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "mcpdocs-bench-root-"));
  const r = rng(7);
  for (let i = 0; i < 200; i++) {
    mkdirSync(join(root, `d${i % 10}`), { recursive: true });
    const sections = Array.from(
      { length: 6 },
      (_, s) => `## Section ${s}\n\n${sentence(r, 120)}\n\n${sentence(r, 80)}\n`,
    ).join("\n");
    writeFileSync(join(root, `d${i % 10}`, `doc${i}.md`), `# Document ${i}\n\n${sections}`);
  }
  const store = await f.open("ingest");
  try {
    const s = await rebuildQuietly(root, { store, embedder: hashingEmbedder(DIM), log });
    process.stdout.write(
      `${f.name}: ingest ${s.files} files, ${s.chunks} chunks in ${s.ms} ms = ${Math.round((s.chunks / s.ms) * 1000)} chunks/s (hashing embedder, ${DIM} dims)\n`,
    );
  } finally {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function benchSearch(f: StoreFactory, n: number): Promise<void> {
  const store = await f.open(`s${n}`);
  try {
    const meta = await store.prepare(`hashing-v1:${DIM}`, DIM, true);
    const r = rng(n);
    const all = new Float32Array(n * DIM);
    const ids: string[] = [];
    const t0 = Date.now();
    const PER_DOC = 100;
    for (let d = 0; d * PER_DOC < n; d++) {
      const source = `bench/doc${d}.md`;
      const chunks: StoredChunk[] = [];
      for (let o = 0; o < PER_DOC && d * PER_DOC + o < n; o++) {
        const text = sentence(r, 60);
        const vector = hashingVector(text, DIM);
        all.set(vector, ids.length * DIM);
        const id = chunkId(meta.id, source, o);
        ids.push(id);
        chunks.push({
          id,
          source,
          hash: "h",
          ordinal: o,
          title: source,
          heading: "",
          format: "markdown",
          text,
          vector,
        });
      }
      await store.putDocument(
        {
          source,
          hash: "h",
          title: source,
          format: "markdown",
          bytes: 0,
          chunks: chunks.length,
          ingestedAt: new Date().toISOString(),
        },
        chunks,
      );
    }
    const tLoad = Date.now() - t0;
    const t1 = Date.now();
    await store.optimize();
    const tIndex = Date.now() - t1;
    const queries = Array.from({ length: QUERIES }, () => hashingVector(sentence(r, 8), DIM));
    // warm-up
    for (const q of queries.slice(0, 5)) await store.vectorSearch(q, K, undefined);

    const annT: number[] = [];
    const exactT: number[] = [];
    const bruteT: number[] = [];
    let agree = 0;
    let exactAgree = 0; // the store's exact search against the JS scan: ~1 unless ties or float rounding reorder
    for (const q of queries) {
      let s = performance.now();
      const ann = await store.vectorSearch(q, K, undefined);
      annT.push(performance.now() - s);
      s = performance.now();
      const exact = await store.exactSearch(q, K);
      exactT.push(performance.now() - s);
      s = performance.now();
      const truth = bruteForce(all, n, q, K).map((i) => ids[i]);
      bruteT.push(performance.now() - s);
      const want = new Set(truth);
      agree += ann.filter((h) => want.has(h.chunk.id)).length;
      exactAgree += exact.filter((h) => want.has(h.chunk.id)).length;
    }
    process.stdout.write(
      `${f.name} @ ${n} chunks: load ${tLoad} ms, index ${tIndex} ms | vector_search p50 ${ms(pct(annT, 50))} p99 ${ms(pct(annT, 99))} | ` +
        `store exact p50 ${ms(pct(exactT, 50))} p99 ${ms(pct(exactT, 99))} | JS brute force p50 ${ms(pct(bruteT, 50))} p99 ${ms(pct(bruteT, 99))} | ` +
        `ANN recall@${K} vs exact ${(agree / (QUERIES * K)).toFixed(3)} (store exact vs JS exact ${(exactAgree / (QUERIES * K)).toFixed(3)})\n`,
    );
  } finally {
    await store.close();
  }
}

/** Exact top-k by dot product (vectors are unit length, so this is cosine). */
function bruteForce(all: Float32Array, n: number, q: readonly number[], k: number): number[] {
  const qa = Float32Array.from(q);
  const best: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    let dot = 0;
    const off = i * DIM;
    for (let j = 0; j < DIM; j++) dot += (all[off + j] as number) * (qa[j] as number);
    if (best.length < k || dot > (best[best.length - 1] as [number, number])[1]) {
      best.push([i, dot]);
      best.sort((a, b) => b[1] - a[1]);
      if (best.length > k) best.pop();
    }
  }
  return best.map(([i]) => i);
}

async function main(): Promise<void> {
  const full = process.argv.includes("--full");
  const storesArg = process.argv[process.argv.indexOf("--stores") + 1];
  const wanted =
    process.argv.includes("--stores") && storesArg !== undefined ? storesArg.split(",") : ["lance", "postgres"];
  const sizes = full ? [10_000, 100_000] : [10_000];
  process.stdout.write(`mcp-docs bench: ${DIM} dims, ${QUERIES} queries, k=${K}, sizes ${sizes.join(", ")}\n`);
  for (const kind of wanted) {
    const f = kind === "lance" ? await lanceFactory() : await postgresFactory();
    try {
      await benchIngest(f);
      for (const n of sizes) await benchSearch(f, n);
    } finally {
      await f.close();
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
