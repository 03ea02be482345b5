/**
 * Embedded store: LanceDB in a data directory (three tables per collection: chunks, docs, meta).
 * Pinned to @lancedb/lancedb 0.31.0: newer releases lack prebuilt binaries for some platforms, so a clean
 * lockfile would not install everywhere. Vector search is exact (a flat scan) until `optimize` builds an
 * IVF_HNSW_SQ index, which it does from INDEX_MIN_ROWS chunks on; rows added after it are still scanned.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import * as lancedb from "@lancedb/lancedb";
import { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } from "apache-arrow";
import { DocsError } from "../errors.js";
import { checkEmbedder, toChunk, toDoc, type Row } from "./rows.js";
import { sqlString } from "./sql.js";
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

const REFINE_FACTOR = 4;
const CHUNK_COLUMNS = ["id", "source", "hash", "ordinal", "title", "heading", "format", "text"];
// naming `_distance` keeps it in the result and stops lance's deprecation warning on every search
const HIT_COLUMNS = [...CHUNK_COLUMNS, "_distance"];

/** Fields of required (non-null) columns, in order: Utf8 but for those named in `int32`. */
function requiredColumns(names: readonly string[], int32: readonly string[]): Field[] {
  return names.map((name) => new Field(name, int32.includes(name) ? new Int32() : new Utf8(), false));
}

function chunkSchema(dimensions: number): Schema {
  return new Schema([
    ...requiredColumns(CHUNK_COLUMNS, ["ordinal"]),
    new Field("vector", new FixedSizeList(dimensions, new Field("item", new Float32(), true)), false),
  ]);
}

const docSchema = new Schema(
  requiredColumns(["source", "hash", "title", "format", "bytes", "chunks", "ingested_at"], ["bytes", "chunks"]),
);

const metaSchema = new Schema(
  requiredColumns(["id", "embedder", "dimensions", "generation"], ["dimensions", "generation"]),
);

export function lanceWhere(f: SearchFilter | undefined): string | undefined {
  if (f === undefined) return undefined;
  const parts: string[] = [];
  if (f.sourcePrefix !== undefined) parts.push(`starts_with(source, ${sqlString(f.sourcePrefix)})`);
  if (f.sources !== undefined)
    parts.push(f.sources.length === 0 ? "false" : `source IN (${f.sources.map(sqlString).join(", ")})`);
  if (f.formats !== undefined)
    parts.push(f.formats.length === 0 ? "false" : `format IN (${f.formats.map(sqlString).join(", ")})`);
  return parts.length === 0 ? undefined : parts.join(" AND ");
}

export class LanceStore implements VectorStore {
  readonly kind = "lance" as const;
  private constructor(
    private readonly db: lancedb.Connection,
    private readonly name: string,
  ) {}

  static async open(dataDir: string, collection: string): Promise<LanceStore> {
    await mkdir(dataDir, { recursive: true });
    return new LanceStore(await lancedb.connect(dataDir), collection);
  }

  private async table(suffix: "chunks" | "docs" | "meta"): Promise<lancedb.Table | undefined> {
    const name = `${this.name}_${suffix}`;
    const names = await this.db.tableNames();
    return names.includes(name) ? await this.db.openTable(name) : undefined;
  }

  private async must(suffix: "chunks" | "docs" | "meta"): Promise<lancedb.Table> {
    const t = await this.table(suffix);
    if (t === undefined)
      throw new DocsError("NOT_INGESTED", "the collection is empty: run `mcp-docs ingest --root DIR` first");
    return t;
  }

  async meta(): Promise<CollectionMeta | undefined> {
    const t = await this.table("meta");
    if (t === undefined) return undefined;
    const rows = (await t.query().limit(1).toArray()) as Row[];
    const r = rows[0];
    if (r === undefined) return undefined;
    return {
      id: String(r.id),
      embedder: String(r.embedder),
      dimensions: Number(r.dimensions),
      generation: Number(r.generation),
    };
  }

  async prepare(embedder: string, dimensions: number, rebuild: boolean): Promise<CollectionMeta> {
    const existing = await this.meta();
    if (existing !== undefined && !rebuild) return checkEmbedder(existing, embedder, dimensions);
    for (const s of ["chunks", "docs", "meta"] as const) {
      if ((await this.table(s)) !== undefined) await this.db.dropTable(`${this.name}_${s}`);
    }
    await this.db.createEmptyTable(`${this.name}_chunks`, chunkSchema(dimensions));
    await this.db.createEmptyTable(`${this.name}_docs`, docSchema);
    const meta: CollectionMeta = { id: randomBytes(4).toString("hex"), embedder, dimensions, generation: 1 };
    // meta last: a collection without it is treated as never created and is rebuilt whole
    const t = await this.db.createEmptyTable(`${this.name}_meta`, metaSchema);
    await t.add([{ ...meta }]);
    return meta;
  }

  async documents(): Promise<DocumentRecord[]> {
    const t = await this.table("docs");
    if (t === undefined) return [];
    const n = await t.countRows();
    return ((await t.query().limit(Math.max(1, n)).toArray()) as Row[]).map(toDoc);
  }

  async getDocument(source: string): Promise<DocumentRecord | undefined> {
    const t = await this.must("docs");
    const rows = (await t
      .query()
      .where(`source = ${sqlString(source)}`)
      .limit(1)
      .toArray()) as Row[];
    return rows[0] === undefined ? undefined : toDoc(rows[0]);
  }

  async putDocument(doc: DocumentRecord, chunks: readonly StoredChunk[]): Promise<void> {
    const docs = await this.must("docs");
    const table = await this.must("chunks");
    await docs.delete(`source = ${sqlString(doc.source)}`);
    await table.delete(`source = ${sqlString(doc.source)}`);
    if (chunks.length > 0) await table.add(chunks.map((c) => ({ ...c, vector: Array.from(c.vector) })));
    await docs.add([
      {
        source: doc.source,
        hash: doc.hash,
        title: doc.title,
        format: doc.format,
        bytes: doc.bytes,
        chunks: doc.chunks,
        ingested_at: doc.ingestedAt,
      },
    ]);
  }

  async deleteDocument(source: string): Promise<void> {
    await (await this.must("docs")).delete(`source = ${sqlString(source)}`);
    await (await this.must("chunks")).delete(`source = ${sqlString(source)}`);
  }

  async sweepOrphans(): Promise<number> {
    const table = await this.table("chunks");
    if (table === undefined) return 0;
    const docs = new Map((await this.documents()).map((d) => [d.source, d.hash]));
    const bad = new Set<string>();
    for await (const page of this.scanChunks(10_000)) {
      for (const c of page) if (docs.get(c.source) !== c.hash) bad.add(c.source);
    }
    let removed = 0;
    for (const source of bad) {
      const hash = docs.get(source);
      const pred =
        hash === undefined
          ? `source = ${sqlString(source)}`
          : `source = ${sqlString(source)} AND hash <> ${sqlString(hash)}`;
      removed += await table.countRows(pred);
      await table.delete(pred);
    }
    return removed;
  }

  async touch(): Promise<CollectionMeta> {
    const t = await this.must("meta");
    const m = await this.meta();
    if (m === undefined) throw new DocsError("NOT_INGESTED", "the collection has no metadata");
    await t.update({ values: { generation: m.generation + 1 } });
    return { ...m, generation: m.generation + 1 };
  }

  async getChunk(id: string): Promise<ChunkRecord | undefined> {
    const t = await this.must("chunks");
    const rows = (await t
      .query()
      .where(`id = ${sqlString(id)}`)
      .select(CHUNK_COLUMNS)
      .limit(1)
      .toArray()) as Row[];
    return rows[0] === undefined ? undefined : toChunk(rows[0]);
  }

  async chunkRange(source: string, from: number, to: number): Promise<ChunkRecord[]> {
    const t = await this.must("chunks");
    const rows = (await t
      .query()
      .where(`source = ${sqlString(source)} AND ordinal >= ${Math.trunc(from)} AND ordinal <= ${Math.trunc(to)}`)
      .select(CHUNK_COLUMNS)
      .limit(Math.max(1, to - from + 1))
      .toArray()) as Row[];
    return rows.map(toChunk).sort((a, b) => a.ordinal - b.ordinal);
  }

  async *scanChunks(pageSize: number): AsyncIterable<ChunkRecord[]> {
    const t = await this.table("chunks");
    if (t === undefined) return;
    let page: ChunkRecord[] = [];
    for await (const batch of t.query().select(CHUNK_COLUMNS)) {
      for (const r of batch.toArray() as Row[]) {
        page.push(toChunk(r));
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
    }
    if (page.length > 0) yield page;
  }

  async vectorSearch(vector: readonly number[], k: number, filter: SearchFilter | undefined): Promise<VectorHit[]> {
    const t = await this.must("chunks");
    // ef widens the HNSW beam; refineFactor re-ranks the quantised candidates with the full vectors
    let q = t
      .vectorSearch(Array.from(vector))
      .distanceType("cosine")
      .ef(Math.max(EF_SEARCH, k * 2))
      .refineFactor(REFINE_FACTOR)
      .select(HIT_COLUMNS)
      .limit(k);
    const where = lanceWhere(filter);
    if (where !== undefined) q = q.where(where);
    const rows = (await q.toArray()) as Row[];
    return rows.map((r) => ({ chunk: toChunk(r), similarity: 1 - Number(r._distance) }));
  }

  /** Exact search with the index bypassed: the baseline the benchmark measures the ANN against. */
  async exactSearch(vector: readonly number[], k: number): Promise<VectorHit[]> {
    const t = await this.must("chunks");
    const rows = (await t
      .vectorSearch(Array.from(vector))
      .distanceType("cosine")
      .bypassVectorIndex()
      .select(HIT_COLUMNS)
      .limit(k)
      .toArray()) as Row[];
    return rows.map((r) => ({ chunk: toChunk(r), similarity: 1 - Number(r._distance) }));
  }

  async optimize(): Promise<void> {
    const t = await this.table("chunks");
    if (t === undefined) return;
    const rows = await t.countRows();
    const indices = await t.listIndices();
    if (rows >= INDEX_MIN_ROWS && !indices.some((i) => i.columns.includes("vector"))) {
      await t.createIndex("vector", {
        config: lancedb.Index.hnswSq({ distanceType: "cosine", numPartitions: Math.max(1, Math.round(rows / 20_000)) }),
      });
    } else if (indices.length > 0) {
      await t.optimize();
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
