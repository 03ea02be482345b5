import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { DEFAULT_DENY } from "@acb/mcp-fileserver/deny";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IngestConfig } from "../src/config.js";
import { hashingEmbedder } from "../src/embed/hashing.js";
import type { Embedder } from "../src/embed/types.js";
import { ingest, type IngestSummary } from "../src/ingest.js";
import { createLogger } from "../src/log.js";
import { createProgress } from "../src/progress.js";
import { LanceStore } from "../src/store/lance.js";
import type { ChunkRecord, VectorStore } from "../src/store/types.js";
import { createIngestFixture, SECRET, type IngestFixture } from "./fixture.js";
import { ingestCli, MAIN, runCli } from "./helpers.js";

const log = createLogger("error");

/** The hashing embedder, counting the texts it embeds. */
function counting(): Embedder & { embedded: () => number } {
  const inner = hashingEmbedder(128);
  let n = 0;
  const embeddings = Object.create(inner.embeddings) as typeof inner.embeddings;
  embeddings.embedDocuments = async (docs: string[]) => {
    n += docs.length;
    return await inner.embeddings.embedDocuments(docs);
  };
  return { id: inner.id, embeddings, embedded: () => n };
}

async function allChunks(store: VectorStore): Promise<ChunkRecord[]> {
  const out: ChunkRecord[] = [];
  for await (const page of store.scanChunks(1000)) out.push(...page);
  return out;
}

describe("ingest", () => {
  let fx: IngestFixture;
  let store: LanceStore;
  const config = (): IngestConfig => ({
    root: fx.root,
    deny: [...DEFAULT_DENY],
    maxFileBytes: 1024 * 1024,
    chunkSize: 200,
    chunkOverlap: 20,
    progress: "quiet",
  });
  const run = (embedder: Embedder, stopped?: () => boolean): Promise<IngestSummary> =>
    ingest({
      config: config(),
      store,
      embedder,
      log,
      progress: createProgress("quiet"),
      ...(stopped !== undefined ? { stopped } : {}),
    });

  beforeEach(async () => {
    fx = createIngestFixture();
    store = await LanceStore.open(fx.data, "docs");
  });
  afterEach(async () => {
    await store.close();
    fx.cleanup();
  });

  it("ingests Markdown, text and HTML only: no link, no denied name, no binary, nothing from outside the root", async () => {
    const s = await run(counting());
    expect((await store.documents()).map((d) => d.source).sort()).toEqual([
      "alpha.md",
      "guides/beta.txt",
      "guides/gamma.html",
    ]);
    expect(s).toMatchObject({ added: 3, updated: 0, unchanged: 0, deleted: 0 });
    expect(s.skipped).toMatchObject({ binary: 1, "unsupported type": 1, "symbolic link": 1 });
    const chunks = await allChunks(store);
    for (const c of chunks) {
      expect(c.text).not.toContain(SECRET);
      expect(c.text).not.toContain("scriptcontent");
    }
    const gamma = chunks.find((c) => c.source === "guides/gamma.html");
    expect(gamma).toMatchObject({ title: "Gamma page", format: "html" });
    expect(gamma?.text).toContain("Boats use sails and rudders.");
    const brewing = chunks.find((c) => c.text.includes("Steep green tea"));
    expect(brewing?.heading).toBe("Alpha > Brewing");
  });

  it("is incremental: unchanged files are not embedded again, a changed file is replaced, a deleted one removed", async () => {
    await run(counting());
    const again = counting();
    expect(await run(again)).toMatchObject({ added: 0, updated: 0, unchanged: 3, deleted: 0 });
    expect(again.embedded()).toBe(0);
    fx.write("alpha.md", "# Alpha\n\nNow about espresso machines only.\n");
    fx.remove("guides/beta.txt");
    const third = counting();
    expect(await run(third)).toMatchObject({ added: 0, updated: 1, unchanged: 1, deleted: 1 });
    expect(third.embedded()).toBe(1);
    const chunks = await allChunks(store);
    expect(chunks.some((c) => c.text.includes("kettles"))).toBe(false);
    expect(chunks.some((c) => c.text.includes("espresso"))).toBe(true);
    expect(chunks.some((c) => c.source === "guides/beta.txt")).toBe(false);
  });

  it("an interrupted run applies no deletion; the next run finishes the job", async () => {
    await run(counting());
    fx.remove("guides/gamma.html");
    fx.write("guides/delta.md", "# Delta\n\nDelta is new.\n");
    let calls = 0;
    const cut = await run(counting(), () => ++calls > 3);
    expect(cut.interrupted).toBe(true);
    expect((await store.documents()).map((d) => d.source)).toContain("guides/gamma.html");
    const rest = await run(counting());
    expect(rest.interrupted).toBe(false);
    expect((await store.documents()).map((d) => d.source).sort()).toEqual([
      "alpha.md",
      "guides/beta.txt",
      "guides/delta.md",
    ]);
  });
});

describe("ingest CLI", () => {
  let fx: IngestFixture;
  beforeEach(() => {
    fx = createIngestFixture();
  });
  afterEach(() => fx.cleanup());

  it("prints plain progress lines when not on a TTY, and a JSON summary", async () => {
    const r = await runCli(["ingest", "--root", fx.root], { DOCS_DATA_DIR: fx.data });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ingest: 4 files to check/);
    expect(r.stderr).toMatch(/ingest: 1\/4 alpha\.md added \(\d+ chunks\)/);
    expect(JSON.parse(r.stdout)).toMatchObject({ files: 4, added: 3, skipped: { binary: 1 } });
    expect(r.stderr).not.toContain(SECRET);
  });

  it("refuses the file system root and a missing root, with one line and no host path", async () => {
    const env = { DOCS_DATA_DIR: fx.data };
    // three processes that fail before they write anything: started together
    const [slash, missing, bad] = await Promise.all([
      runCli(["ingest", "--root", "/"], env),
      runCli(["ingest", "--root", join(fx.base, "nope")], env),
      runCli(["ingest", "--root", fx.root, "--deny", "../x"], env),
    ]);
    expect(slash.code).toBe(1);
    expect(slash.stderr).toContain("INVALID_ARGUMENT: --root does not exist or is not a directory");
    expect(missing.code).toBe(1);
    expect(missing.stderr).not.toContain(fx.base);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("DOCS_DENY/--deny");
  });

  it("survives SIGKILL mid-run: the re-run leaves every document whole", async () => {
    // Enough files that the kill (at file 20) lands well inside the run; each one costs the re-run a LanceDB write.
    const BULK = 60;
    for (let i = 0; i < BULK; i++) {
      mkdirSync(join(fx.root, `bulk/d${i % 10}`), { recursive: true });
      writeFileSync(
        join(fx.root, `bulk/d${i % 10}/f${i}.md`),
        `# File ${i}\n\n${"Paragraph about topic " + i + ". ".repeat(1)}\n\n`.repeat(20),
      );
    }
    const child = spawn(process.execPath, [MAIN, "ingest", "--root", fx.root, "--progress", "lines"], {
      env: { ...getDefaultEnvironment(), DOCS_DATA_DIR: fx.data },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve) => {
      let err = "";
      child.stderr.on("data", (b: Buffer) => {
        err += b.toString();
        if (/ingest: 20\/\d+/.test(err)) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.once("exit", () => resolve());
    });
    await new Promise((r) => child.once("exit", r));
    const summary = await ingestCli(fx.root, { DOCS_DATA_DIR: fx.data });
    expect(summary.files).toBe(BULK + 4); // binary.md is a candidate, skipped as binary
    expect(Number(summary.unchanged)).toBeGreaterThan(0);
    const store = await LanceStore.open(fx.data, "docs");
    try {
      const docs = await store.documents();
      expect(docs.length).toBe(BULK + 3);
      const chunks = await allChunks(store);
      for (const d of docs) {
        const mine = chunks.filter((c) => c.source === d.source);
        expect(mine.length, d.source).toBe(d.chunks);
        expect(mine.every((c) => c.hash === d.hash)).toBe(true);
      }
    } finally {
      await store.close();
    }
  });
});
