/** The storage port's contract: every adapter runs it (LanceDB in a temp dir, Postgres via PGlite). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashingVector } from "../src/embed/hashing.js";
import { chunkId } from "../src/ids.js";
import type { DocFormat, DocumentRecord, StoredChunk, VectorStore } from "../src/store/types.js";

const DIM = 64;

export function doc(
  collection: string,
  source: string,
  texts: string[],
  format: DocFormat = "markdown",
  hash = `h-${texts.join("|").length}`,
): { doc: DocumentRecord; chunks: StoredChunk[] } {
  const chunks = texts.map((text, ordinal) => ({
    id: chunkId(collection, source, ordinal),
    source,
    hash,
    ordinal,
    title: `Title of ${source}`,
    heading: `H${ordinal}`,
    format,
    text,
    vector: hashingVector(text, DIM),
  }));
  return {
    doc: {
      source,
      hash,
      title: `Title of ${source}`,
      format,
      bytes: 100,
      chunks: chunks.length,
      ingestedAt: "2026-01-01T00:00:00.000Z",
    },
    chunks,
  };
}

export function storeContract(name: string, open: () => Promise<VectorStore>): void {
  describe(`${name} store contract`, () => {
    let store: VectorStore;
    let cid = "";
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.close();
    });

    it("has no metadata before the first prepare, then keeps its id and refuses another embedder", async () => {
      expect(await store.meta()).toBeUndefined();
      // the serving path's reads of a collection never ingested
      for (const read of [
        () => store.getChunk("x"),
        () => store.getDocument("a.md"),
        () => store.chunkRange("a.md", 0, 1),
        () => store.vectorSearch([1, 0, 0, 0], 1, undefined),
      ])
        await expect(read()).rejects.toMatchObject({ code: "NOT_INGESTED" });
      expect(await store.documents()).toEqual([]);
      const m = await store.prepare("hashing-v1:64", DIM, false);
      cid = m.id;
      expect(m.id).toMatch(/^[0-9a-f]{8}$/);
      expect((await store.prepare("hashing-v1:64", DIM, false)).id).toBe(cid);
      await expect(store.prepare("openai:x", 1536, false)).rejects.toThrow(/re-ingest with --rebuild/);
    });

    it("stores documents and finds the nearest chunk first, with cosine similarity", async () => {
      const a = doc(cid, "guides/alpha.md", ["redis streams carry turn events", "bullmq queue enqueues turns"]);
      const b = doc(
        cid,
        "reference/beta.md",
        ["bearer token and origin allow list", "deny list hides .env files"],
        "markdown",
      );
      const c = doc(cid, "notes/gamma.txt", ["offline model streams word by word"], "text");
      for (const d of [a, b, c]) await store.putDocument(d.doc, d.chunks);
      expect((await store.documents()).map((d) => d.source).sort()).toEqual([
        "guides/alpha.md",
        "notes/gamma.txt",
        "reference/beta.md",
      ]);
      const hits = await store.vectorSearch(hashingVector("bearer token origin", DIM), 3, undefined);
      expect(hits[0]?.chunk.source).toBe("reference/beta.md");
      expect(hits[0]?.chunk.ordinal).toBe(0);
      expect(hits[0]?.similarity).toBeGreaterThan(0.3);
      expect(hits[0]?.similarity).toBeLessThanOrEqual(1.0001);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.similarity).toBeGreaterThanOrEqual(hits[i]!.similarity);
    });

    it("applies filters exactly (prefix, sources, formats) and treats quotes as data", async () => {
      const q = hashingVector("turn events queue token offline", DIM);
      const byPrefix = await store.vectorSearch(q, 10, { sourcePrefix: "guides/" });
      expect(byPrefix.length).toBe(2);
      expect(byPrefix.every((h) => h.chunk.source.startsWith("guides/"))).toBe(true);
      const bySources = await store.vectorSearch(q, 10, { sources: ["notes/gamma.txt"] });
      expect(bySources.map((h) => h.chunk.source)).toEqual(["notes/gamma.txt"]);
      const byFormat = await store.vectorSearch(q, 10, { formats: ["text"] });
      expect(byFormat.map((h) => h.chunk.format)).toEqual(["text"]);
      const hostile = await store.vectorSearch(q, 10, {
        sources: ["x' OR '1'='1", "a'); DROP TABLE docs_chunks; --"],
        sourcePrefix: "' OR 1=1 --",
      });
      expect(hostile).toEqual([]);
      expect((await store.documents()).length).toBe(3);
    });

    it("gets a chunk by id, a range of a document's chunks, and a document", async () => {
      const id = chunkId(cid, "guides/alpha.md", 1);
      const c = await store.getChunk(id);
      expect(c?.text).toBe("bullmq queue enqueues turns");
      expect(c?.heading).toBe("H1");
      expect(await store.getChunk(chunkId(cid, "guides/alpha.md", 9))).toBeUndefined();
      expect(await store.getChunk("nope' OR '1'='1")).toBeUndefined();
      expect((await store.chunkRange("guides/alpha.md", 0, 5)).map((x) => x.ordinal)).toEqual([0, 1]);
      expect((await store.getDocument("guides/alpha.md"))?.chunks).toBe(2);
      expect(await store.getDocument("missing.md")).toBeUndefined();
    });

    it("replaces a document whole and deletes one", async () => {
      const a2 = doc(cid, "guides/alpha.md", ["only one chunk now"], "markdown", "h-new");
      await store.putDocument(a2.doc, a2.chunks);
      expect((await store.chunkRange("guides/alpha.md", 0, 9)).map((x) => x.text)).toEqual(["only one chunk now"]);
      expect((await store.getDocument("guides/alpha.md"))?.hash).toBe("h-new");
      await store.deleteDocument("notes/gamma.txt");
      expect(await store.getDocument("notes/gamma.txt")).toBeUndefined();
      expect(await store.chunkRange("notes/gamma.txt", 0, 9)).toEqual([]);
    });

    it("scans every chunk in pages, and sweeps chunks a cut-off run left without a record", async () => {
      let n = 0;
      for await (const page of store.scanChunks(1)) n += page.length;
      expect(n).toBe(3);
      // chunks whose hash is not their document's: what a run cut off between chunks and record leaves
      const half = doc(cid, "half/written.md", ["half", "written"], "markdown", "h-stale");
      await store.putDocument({ ...half.doc, hash: "h-record" }, half.chunks);
      expect(await store.sweepOrphans()).toBe(2);
      expect(await store.chunkRange("half/written.md", 0, 9)).toEqual([]);
      expect((await store.chunkRange("guides/alpha.md", 0, 9)).length).toBe(1);
      expect(await store.sweepOrphans()).toBe(0);
      const before = (await store.meta())?.generation ?? 0;
      expect((await store.touch()).generation).toBe(before + 1);
    });

    it("rebuild starts a new collection with a new id", async () => {
      const m = await store.prepare("openai:x", 32, true);
      expect(m.id).not.toBe(cid);
      expect(await store.documents()).toEqual([]);
    });
  });
}
