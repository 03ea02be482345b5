#!/usr/bin/env node
/**
 * Retrieval evaluation: the labelled questions in questions.json (each names the source that answers it and
 * a phrase the answering chunk contains) against the shipped sample collection. Prints recall@5 and MRR@5
 * for the lexical, vector and hybrid rankers with each embedder available:
 *   - hashing: the offline default;
 *   - openai-compatible (scripted): LangChain's OpenAIEmbeddings through the real HTTP wire to the scripted
 *     server in this folder (its vectors are hashing vectors at 384 dimensions: this measures the path, not a model);
 *   - openai (real): when DOCS_EMBEDDINGS_MODEL (and a key or base URL) are set in the environment.
 * Usage: pnpm --dir apps/mcp-docs eval
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { hashingEmbedder } from "../embed/hashing.js";
import { openAIEmbedder } from "../embed/index.js";
import type { Embedder } from "../embed/types.js";
import { rebuildQuietly } from "../ingest.js";
import { createLogger } from "../log.js";
import { Retriever, type SearchMode } from "../retriever.js";
import { LanceStore } from "../store/lance.js";
import { startEmbeddingsServer } from "./embeddings-server.js";

const APP = join(dirname(fileURLToPath(import.meta.url)), "../..");
const K = 5;
const Questions = z
  .array(z.object({ q: z.string().min(1), source: z.string().min(1), phrase: z.string().min(1) }))
  .min(50);
const norm = (s: string) => s.toLowerCase().replace(/\s+/g, " ");

export interface Scores {
  readonly recall: number;
  readonly mrr: number;
  readonly misses: string[];
}

export async function evaluate(
  embedder: Embedder,
  questions: z.infer<typeof Questions>,
): Promise<Record<SearchMode, Scores>> {
  const log = createLogger("warn");
  const dir = mkdtempSync(join(tmpdir(), "mcpdocs-eval-"));
  const store = await LanceStore.open(dir, "eval");
  try {
    await rebuildQuietly(join(APP, "sample"), { store, embedder, log });
    const retriever = new Retriever(store, embedder, log);
    const out = {} as Record<SearchMode, Scores>;
    for (const mode of ["lexical", "vector", "hybrid"] as const) {
      let found = 0;
      let rr = 0;
      const misses: string[] = [];
      for (const item of questions) {
        const hits = await retriever.search(item.q, K, undefined, mode);
        const rank = hits.findIndex(
          (h) => h.chunk.source === item.source && norm(h.chunk.text).includes(norm(item.phrase)),
        );
        if (rank >= 0) {
          found += 1;
          rr += 1 / (rank + 1);
        } else misses.push(item.q);
      }
      out[mode] = { recall: found / questions.length, mrr: rr / questions.length, misses };
    }
    return out;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const questions = Questions.parse(JSON.parse(readFileSync(join(APP, "src/eval/questions.json"), "utf8")));
  const verbose = process.argv.includes("--verbose");
  const server = await startEmbeddingsServer(384);
  const embedders: Array<[string, Embedder]> = [
    ["hashing (offline, 512)", hashingEmbedder(512)],
    [
      "openai-compatible (scripted server)",
      openAIEmbedder({
        kind: "openai",
        model: "scripted-embed",
        baseURL: server.baseURL,
        apiKey: "eval",
        dimensions: undefined,
        batchSize: 64,
      }),
    ],
  ];
  const model = process.env.DOCS_EMBEDDINGS_MODEL;
  const key = process.env.DOCS_EMBEDDINGS_API_KEY ?? process.env.OPENAI_API_KEY;
  const baseURL = process.env.DOCS_EMBEDDINGS_BASE_URL ?? process.env.OPENAI_BASE_URL;
  if (model !== undefined && model !== "" && ((key ?? "") !== "" || (baseURL ?? "") !== "")) {
    embedders.push([
      `openai (${model})`,
      openAIEmbedder({
        kind: "openai",
        model,
        baseURL,
        apiKey: key ?? "not-needed",
        dimensions: undefined,
        batchSize: 64,
      }),
    ]);
  } else {
    process.stdout.write(
      "(set DOCS_EMBEDDINGS_MODEL and OPENAI_API_KEY or DOCS_EMBEDDINGS_BASE_URL to evaluate a real embedding model too)\n",
    );
  }
  process.stdout.write(`retrieval eval: ${questions.length} labelled questions over apps/mcp-docs/sample, k=${K}\n\n`);
  process.stdout.write(
    `${"embedder".padEnd(38)} ${"ranker".padEnd(8)} ${"recall@5".padStart(9)} ${"MRR@5".padStart(7)}\n`,
  );
  try {
    for (const [name, embedder] of embedders) {
      const scores = await evaluate(embedder, questions);
      for (const mode of ["lexical", "vector", "hybrid"] as const) {
        const s = scores[mode];
        process.stdout.write(
          `${name.padEnd(38)} ${mode.padEnd(8)} ${s.recall.toFixed(3).padStart(9)} ${s.mrr.toFixed(3).padStart(7)}\n`,
        );
        if (verbose) for (const m of s.misses) process.stdout.write(`    miss: ${m}\n`);
      }
    }
  } finally {
    await server.close();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`eval failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
