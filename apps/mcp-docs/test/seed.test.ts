/**
 * `--seed DIR`: the server ingests DIR before serving when its collection is empty (how the gateway's embedded mode
 * and `pnpm stack` get a ready sample collection), and never rewrites a collection that already holds documents.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildEmbedder } from "../src/embed/index.js";
import { LanceStore } from "../src/store/lance.js";
import { call, connectStdio, ingestCli, runCli, SAMPLE, type Conn } from "./helpers.js";

const base = realpathSync(mkdtempSync(join(tmpdir(), "mcpdocs-seed-")));
afterAll(() => rmSync(base, { recursive: true, force: true }));

interface Hit {
  id: string;
  source: string;
}
const sourcesOf = (o: { structured: Record<string, unknown> | undefined }) =>
  ((o.structured?.hits ?? []) as Hit[]).map((h) => h.source);

async function withServer<T>(
  args: string[],
  env: Record<string, string>,
  body: (conn: Conn) => Promise<T>,
): Promise<T> {
  const conn = await connectStdio(args, env);
  try {
    return await body(conn);
  } finally {
    await conn.close();
  }
}

describe("--seed", () => {
  it("seeds an empty collection before answering, and does not ingest it again on the next start", async () => {
    const env = { DOCS_DATA_DIR: join(base, "fresh") };
    const first = await withServer(["--seed", SAMPLE], env, async (conn) => {
      const found = await call(conn.client, "vector_search", { query: "how do I cancel a running turn", k: 3 });
      expect(found.refused).toBe(false);
      expect(sourcesOf(found).length).toBe(3);
      const top = ((found.structured?.hits ?? []) as Hit[])[0];
      const got = await call(conn.client, "doc_get", { id: top?.id });
      expect(got.refused).toBe(false);
      expect(got.structured?.source).toBe(top?.source);
      return conn.output();
    });
    expect(first).toMatch(/seeded the empty collection: 11 files, 11 added/);
    const second = await withServer(["--seed", SAMPLE], env, async (conn) => {
      expect((await call(conn.client, "vector_search", { query: "cancel a turn" })).refused).toBe(false);
      return conn.output();
    });
    expect(second).not.toContain("seeded");
  });

  it("leaves a collection that already holds documents as it is", async () => {
    const mine = join(base, "mine");
    mkdirSync(mine);
    writeFileSync(join(mine, "recipes.md"), "# Pancakes\n\nFlour, milk and eggs, whisked and fried in butter.\n");
    const env = { DOCS_DATA_DIR: join(base, "existing") };
    await ingestCli(mine, env);
    await withServer(["--seed", SAMPLE], env, async (conn) => {
      const found = await call(conn.client, "vector_search", { query: "pancakes flour milk eggs", k: 10 });
      expect(sourcesOf(found)).toEqual(["recipes.md"]);
      expect(conn.output()).not.toContain("seeded");
    });
  });

  it("finishes a seed that was cut off (a collection no ingestion run finished in)", async () => {
    const dataDir = join(base, "cut");
    // what a seed killed after creating the collection leaves behind: the collection, no finished run
    const store = await LanceStore.open(dataDir, "docs");
    const embedder = buildEmbedder({ kind: "hashing", dimensions: 512 });
    await store.prepare(embedder.id, 512, false);
    await store.close();
    await withServer(["--seed", SAMPLE], { DOCS_DATA_DIR: dataDir }, async (conn) => {
      const found = await call(conn.client, "vector_search", { query: "cancel a turn", k: 2 });
      expect(found.refused).toBe(false);
      expect(sourcesOf(found).length).toBe(2);
      expect(conn.output()).toContain("seeded the empty collection: 11 files, 11 added");
    });
  });

  it("refuses a seed directory that does not exist, in one line without the host path", async () => {
    const missing = join(base, "no-such-dir");
    const r = await runCli(["--seed", missing], { DOCS_DATA_DIR: join(base, "missing") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--seed does not exist or is not a directory");
    expect(r.stderr).not.toContain(base);
  });
});
