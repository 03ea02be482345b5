import { OpenAIEmbeddings } from "@langchain/openai";
import type { EmbeddingsConfig } from "../config.js";
import { hashingEmbedder } from "./hashing.js";
import type { Embedder } from "./types.js";

export type { Embedder } from "./types.js";

/** Any OpenAI-compatible /v1/embeddings server (OpenAI, Ollama, llama.cpp, vLLM, LocalAI…) through LangChain. */
export function openAIEmbedder(cfg: Extract<EmbeddingsConfig, { kind: "openai" }>): Embedder {
  const embeddings = new OpenAIEmbeddings({
    model: cfg.model,
    apiKey: cfg.apiKey,
    batchSize: cfg.batchSize,
    maxRetries: 2,
    timeout: 60_000,
    ...(cfg.dimensions !== undefined ? { dimensions: cfg.dimensions } : {}),
    ...(cfg.baseURL !== undefined ? { configuration: { baseURL: cfg.baseURL } } : {}),
  });
  return { id: `openai:${cfg.model}${cfg.dimensions !== undefined ? `:${cfg.dimensions}` : ""}`, embeddings };
}

export function buildEmbedder(cfg: EmbeddingsConfig): Embedder {
  return cfg.kind === "hashing" ? hashingEmbedder(cfg.dimensions) : openAIEmbedder(cfg);
}
