import { FastMCP } from "fastmcp";
import { fastmcpLogger } from "@acb/mcp-fileserver/log";
import type { SearchLimits } from "./config.js";
import type { Embedder } from "./embed/types.js";
import type { Logger } from "./log.js";
import { Retriever } from "./retriever.js";
import type { VectorStore } from "./store/types.js";
import { registerDocGet } from "./tools/doc-get.js";
import { registerVectorSearch } from "./tools/vector-search.js";

export const SERVER_NAME = "DocsServer";
export const SERVER_VERSION = "0.1.0";

export function buildServer(store: VectorStore, embedder: Embedder, limits: SearchLimits, log: Logger): FastMCP {
  const server = new FastMCP({
    name: SERVER_NAME,
    version: SERVER_VERSION,
    instructions:
      "Read-only search over an ingested document collection: vector_search finds chunks, doc_get fetches one with its document and neighbours.",
    logger: fastmcpLogger(log),
    roots: { enabled: false },
    ping: { enabled: false },
    health: { enabled: false },
  });
  const deps = { store, retriever: new Retriever(store, embedder, log), limits, log };
  registerVectorSearch(server, deps);
  registerDocGet(server, deps);
  return server;
}
