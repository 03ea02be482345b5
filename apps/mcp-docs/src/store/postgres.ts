/**
 * Postgres + pgvector, over the `pg` wire client (so it works against any real server). Each collection
 * is three tables; a document's replacement is one transaction. An HNSW index (cosine) is built by
 * `optimize` from INDEX_MIN_ROWS chunks on; queries raise hnsw.ef_search for recall and use pgvector's
 * iterative scan where the server has it (0.8+), so a filtered query still fills its k.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { DocsError } from "../errors.js";
import { checkEmbedder, toChunk, toDoc } from "./rows.js";
import {
  EF_SEARCH,
  INDEX_MIN_ROWS,
  type ChunkRecord,
  type CollectionMeta,
  type DocumentRecord,
  type SearchFilter,
  type StoredChunk,
  type VectorHit,
  type VectorStore,
} from "./types.js";

const COLS = "id, source, hash, ordinal, title, heading, format, text";

type Queryable = Pick<pg.PoolClient, "query">;

export function vectorLiteral(v: readonly number[]): string {
  return `[${v.map((x) => (Number.isFinite(x) ? x : 0)).join(",")}]`;
}

/** WHERE clause (without the keyword) and its parameters, numbered from `first`. */
export function pgWhere(f: SearchFilter | undefined, first: number): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f?.sourcePrefix !== undefined) {
    params.push(f.sourcePrefix);
    parts.push(`starts_with(source, $${first + params.length - 1})`);
  }
  if (f?.sources !== undefined) {
    params.push([...f.sources]);
    parts.push(`source = ANY($${first + params.length - 1}::text[])`);
  }
  if (f?.formats !== undefined) {
    params.push([...f.formats]);
    parts.push(`format = ANY($${first + params.length - 1}::text[])`);
  }
  return { sql: parts.length === 0 ? "TRUE" : parts.join(" AND "), params };
}

export class PostgresStore implements VectorStore {
  readonly kind = "postgres" as const;
  private readonly t: { chunks: string; docs: string; meta: string };
  private iterativeScan: boolean | undefined;

  constructor(
    private readonly pool: pg.Pool,
    collection: string,
  ) {
    // collection names are checked against /^[a-z][a-z0-9_]{0,47}$/ by the config; quoted all the same
    this.t = { chunks: `"${collection}_chunks"`, docs: `"${collection}_docs"`, meta: `"${collection}_meta"` };
  }

  static open(url: string, collection: string, maxConnections = 4): PostgresStore {
    return new PostgresStore(new pg.Pool({ connectionString: url, max: maxConnections }), collection);
  }

  private async tx<T>(body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query("BEGIN");
      const out = await body(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  private async exists(): Promise<boolean> {
    const r = await this.pool.query("SELECT to_regclass($1) IS NOT NULL AS ok", [this.t.meta]);
    return r.rows[0]?.ok === true;
  }

  async meta(): Promise<CollectionMeta | undefined> {
    if (!(await this.exists())) return undefined;
    const r = await this.pool.query(`SELECT id, embedder, dimensions, generation FROM ${this.t.meta} LIMIT 1`);
    const row = r.rows[0] as Record<string, unknown> | undefined;
    if (row === undefined) return undefined;
    return {
      id: String(row.id),
      embedder: String(row.embedder),
      dimensions: Number(row.dimensions),
      generation: Number(row.generation),
    };
  }

  private async must(): Promise<CollectionMeta> {
    const m = await this.meta();
    if (m === undefined)
      throw new DocsError("NOT_INGESTED", "the collection is empty: run `mcp-docs ingest --root DIR` first");
    return m;
  }

  async prepare(embedder: string, dimensions: number, rebuild: boolean): Promise<CollectionMeta> {
    const existing = await this.meta();
    if (existing !== undefined && !rebuild) return checkEmbedder(existing, embedder, dimensions);
    const meta: CollectionMeta = { id: randomBytes(4).toString("hex"), embedder, dimensions, generation: 1 };
    await this.pool.query("CREATE EXTENSION IF NOT EXISTS vector");
    await this.tx(async (c) => {
      await c.query(`DROP TABLE IF EXISTS ${this.t.chunks}, ${this.t.docs}, ${this.t.meta}`);
      await c.query(
        `CREATE TABLE ${this.t.meta} (id text NOT NULL, embedder text NOT NULL, dimensions int NOT NULL, generation int NOT NULL)`,
      );
      await c.query(
        `CREATE TABLE ${this.t.docs} (source text PRIMARY KEY, hash text NOT NULL, title text NOT NULL, format text NOT NULL, bytes int NOT NULL, chunks int NOT NULL, ingested_at text NOT NULL)`,
      );
      await c.query(
        `CREATE TABLE ${this.t.chunks} (id text PRIMARY KEY, source text NOT NULL, hash text NOT NULL, ordinal int NOT NULL, title text NOT NULL, heading text NOT NULL, format text NOT NULL, text text NOT NULL, embedding vector(${Math.trunc(dimensions)}) NOT NULL)`,
      );
      await c.query(`CREATE INDEX ON ${this.t.chunks} (source, ordinal)`);
      await c.query(`INSERT INTO ${this.t.meta} VALUES ($1, $2, $3, $4)`, [
        meta.id,
        meta.embedder,
        meta.dimensions,
        meta.generation,
      ]);
    });
    return meta;
  }

  async documents(): Promise<DocumentRecord[]> {
    if (!(await this.exists())) return [];
    const r = await this.pool.query(`SELECT * FROM ${this.t.docs} ORDER BY source`);
    return r.rows.map(toDoc);
  }

  async getDocument(source: string): Promise<DocumentRecord | undefined> {
    await this.must();
    const r = await this.pool.query(`SELECT * FROM ${this.t.docs} WHERE source = $1`, [source]);
    return r.rows[0] === undefined ? undefined : toDoc(r.rows[0] as Record<string, unknown>);
  }

  async putDocument(doc: DocumentRecord, chunks: readonly StoredChunk[]): Promise<void> {
    await this.must();
    await this.tx(async (c) => {
      await c.query(`DELETE FROM ${this.t.docs} WHERE source = $1`, [doc.source]);
      await c.query(`DELETE FROM ${this.t.chunks} WHERE source = $1`, [doc.source]);
      for (let i = 0; i < chunks.length; i += 200) await insertChunks(c, this.t.chunks, chunks.slice(i, i + 200));
      await c.query(
        `INSERT INTO ${this.t.docs} (source, hash, title, format, bytes, chunks, ingested_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [doc.source, doc.hash, doc.title, doc.format, doc.bytes, doc.chunks, doc.ingestedAt],
      );
    });
  }

  async deleteDocument(source: string): Promise<void> {
    await this.tx(async (c) => {
      await c.query(`DELETE FROM ${this.t.docs} WHERE source = $1`, [source]);
      await c.query(`DELETE FROM ${this.t.chunks} WHERE source = $1`, [source]);
    });
  }

  async sweepOrphans(): Promise<number> {
    if (!(await this.exists())) return 0;
    const r = await this.pool.query(
      `DELETE FROM ${this.t.chunks} c WHERE NOT EXISTS (SELECT 1 FROM ${this.t.docs} d WHERE d.source = c.source AND d.hash = c.hash)`,
    );
    return r.rowCount ?? 0;
  }

  async touch(): Promise<CollectionMeta> {
    await this.must();
    await this.pool.query(`UPDATE ${this.t.meta} SET generation = generation + 1`);
    return await this.must();
  }

  async getChunk(id: string): Promise<ChunkRecord | undefined> {
    await this.must();
    const r = await this.pool.query(`SELECT ${COLS} FROM ${this.t.chunks} WHERE id = $1`, [id]);
    return r.rows[0] === undefined ? undefined : toChunk(r.rows[0] as Record<string, unknown>);
  }

  async chunkRange(source: string, from: number, to: number): Promise<ChunkRecord[]> {
    await this.must();
    const r = await this.pool.query(
      `SELECT ${COLS} FROM ${this.t.chunks} WHERE source = $1 AND ordinal BETWEEN $2 AND $3 ORDER BY ordinal`,
      [source, from, to],
    );
    return r.rows.map(toChunk);
  }

  async *scanChunks(pageSize: number): AsyncIterable<ChunkRecord[]> {
    if (!(await this.exists())) return;
    let after = "";
    for (;;) {
      const r = await this.pool.query(`SELECT ${COLS} FROM ${this.t.chunks} WHERE id > $1 ORDER BY id LIMIT $2`, [
        after,
        pageSize,
      ]);
      if (r.rows.length === 0) return;
      const page = r.rows.map(toChunk);
      yield page;
      after = page[page.length - 1]?.id ?? after;
      if (page.length < pageSize) return;
    }
  }

  private async hasIterativeScan(c: Queryable): Promise<boolean> {
    if (this.iterativeScan === undefined) {
      const r = await c.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
      const [major = 0, minor = 0] = String((r.rows[0] as Record<string, unknown> | undefined)?.extversion ?? "0.0")
        .split(".")
        .map(Number);
      this.iterativeScan = major > 0 || minor >= 8;
    }
    return this.iterativeScan;
  }

  async vectorSearch(
    vector: readonly number[],
    k: number,
    filter: SearchFilter | undefined,
    exact = false,
  ): Promise<VectorHit[]> {
    await this.must();
    return await this.tx(async (c) => {
      if (!exact) {
        await c.query(`SET LOCAL hnsw.ef_search = ${Math.max(EF_SEARCH, k)}`);
        if (filter !== undefined && (await this.hasIterativeScan(c)))
          await c.query("SET LOCAL hnsw.iterative_scan = relaxed_order");
      }
      const where = pgWhere(filter, 3);
      const r = await c.query(
        `SELECT ${COLS}, 1 - (embedding <=> $1::vector) AS similarity FROM ${this.t.chunks} WHERE ${where.sql} ORDER BY ${exact ? "(embedding <=> $1::vector) + 0" : "embedding <=> $1::vector"} LIMIT $2`,
        [vectorLiteral(vector), k, ...where.params],
      );
      const hits = r.rows.map((row: Record<string, unknown>) => ({
        chunk: toChunk(row),
        similarity: Number(row.similarity),
      }));
      // relaxed_order may return near-sorted rows: sort them for the caller
      return hits.sort((a, b) => b.similarity - a.similarity);
    });
  }

  /**
   * Exact search: the baseline the benchmark measures the ANN against. Ordering by an expression the HNSW
   * index does not match forces a scan; `enable_indexscan = off` alone did not (the planner still chose the index).
   */
  async exactSearch(vector: readonly number[], k: number): Promise<VectorHit[]> {
    return await this.vectorSearch(vector, k, undefined, true);
  }

  async optimize(): Promise<void> {
    if (!(await this.exists())) return;
    const n = Number((await this.pool.query(`SELECT count(*) AS n FROM ${this.t.chunks}`)).rows[0]?.n ?? 0);
    if (n < INDEX_MIN_ROWS) return;
    const name = this.t.chunks.replace(/"$/, '_hnsw"');
    await this.pool.query(
      `CREATE INDEX IF NOT EXISTS ${name} ON ${this.t.chunks} USING hnsw (embedding vector_cosine_ops)`,
    );
    await this.pool.query(`ANALYZE ${this.t.chunks}`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function insertChunks(c: Queryable, table: string, chunks: readonly StoredChunk[]): Promise<void> {
  if (chunks.length === 0) return;
  const values: string[] = [];
  const params: unknown[] = [];
  for (const ch of chunks) {
    const base = params.length;
    params.push(
      ch.id,
      ch.source,
      ch.hash,
      ch.ordinal,
      ch.title,
      ch.heading,
      ch.format,
      ch.text,
      vectorLiteral(ch.vector),
    );
    const slots = Array.from({ length: 9 }, (_, i) => `$${base + i + 1}`);
    values.push(`(${slots.join(", ")}::vector)`); // the last slot is the embedding
  }
  await c.query(
    `INSERT INTO ${table} (id, source, hash, ordinal, title, heading, format, text, embedding) VALUES ${values.join(", ")}`,
    params,
  );
}
