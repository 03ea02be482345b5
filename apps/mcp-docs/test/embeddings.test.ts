/** The OpenAI-compatible embedder (LangChain's OpenAIEmbeddings) against a scripted /v1/embeddings server. */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { openAIEmbedder } from "../src/embed/index.js";
import { startEmbeddingsServer, type EmbeddingsServer } from "../src/eval/embeddings-server.js";
import { call, connectStdio, ingestCli, SAMPLE } from "./helpers.js";

const KEY = "sk-test-secret-0123456789";
let srv: EmbeddingsServer;
const base = realpathSync(mkdtempSync(join(tmpdir(), "mcpdocs-emb-")));
/** The settings both cases use, as the server reads them. */
const env = (): Record<string, string> => ({
  DOCS_DATA_DIR: join(base, "data"),
  DOCS_EMBEDDINGS_MODEL: "scripted-embed",
  DOCS_EMBEDDINGS_BASE_URL: srv.baseURL,
  OPENAI_API_KEY: KEY,
});

beforeAll(async () => {
  srv = await startEmbeddingsServer(96);
});
afterAll(async () => {
  await srv.close();
  rmSync(base, { recursive: true, force: true });
});

describe("OpenAI-compatible embeddings", () => {
  it("embeds in batches through the real client, with the configured model and key", async () => {
    const { embeddings } = loadConfig([], env());
    if (embeddings.kind !== "openai") throw new Error(`expected the OpenAI embedder, got ${embeddings.kind}`);
    const e = openAIEmbedder({ ...embeddings, batchSize: 4 });
    const before = srv.requests.length;
    const vs = await e.embeddings.embedDocuments(["a", "b", "c", "d", "e", "f"]);
    expect(vs.length).toBe(6);
    expect(vs[0]?.length).toBe(96);
    const mine = srv.requests.slice(before);
    expect(mine.map((r) => r.inputs)).toEqual([4, 2]);
    expect(mine.every((r) => r.model === "scripted-embed" && r.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(e.id).toBe("openai:scripted-embed");
  });

  it("ingests and serves with it; an upstream failure is an EMBEDDINGS tool error that leaks no key", async () => {
    const summary = await ingestCli(SAMPLE, env());
    expect(summary.added).toBe(11);
    const conn = await connectStdio([], env());
    try {
      const o = await call(conn.client, "vector_search", {
        query: "How do I cancel a running turn?",
        k: 3,
        mode: "vector",
      });
      expect(o.refused).toBe(false);
      expect((o.structured?.hits as Array<{ source: string }>)[0]?.source).toBe("reference/turns-and-streams.md");
      srv.failNext(500);
      const failed = await call(conn.client, "vector_search", { query: "anything at all", mode: "vector" });
      expect(failed.refused).toBe(true);
      expect(failed.text).toContain("EMBEDDINGS: the embeddings service failed to embed the query");
      expect(failed.text).not.toContain(KEY);
      expect(conn.output()).not.toContain(KEY);
    } finally {
      await conn.close();
    }
  });
});
