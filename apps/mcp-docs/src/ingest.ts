import { errorMessage } from "@acb/logger";
/**
 * Ingestion: walk the root through the file server's PathPolicy (the same confinement and deny-list: no
 * `..`, no link out of the root, denied names never read), then for each Markdown, text or HTML file compare
 * its sha256 with the stored one: changed and new files are extracted, chunked, embedded and replaced whole;
 * files gone from the root are removed. Symbolic links are not ingested at all (a link inside the root would
 * only duplicate its target). A run can be interrupted (SIGINT finishes the current file, a second SIGINT
 * or a crash leaves no half-visible document: see the store's write order) and re-run.
 */
import { createHash } from "node:crypto";
import { resolveRoots } from "@acb/mcp-fileserver/paths";
import { DenyList } from "@acb/mcp-fileserver/deny";
import { PathPolicy } from "@acb/mcp-fileserver/paths";
import { walk } from "@acb/mcp-fileserver/walk";
import { DEFAULT_DENY } from "@acb/mcp-fileserver/deny";
import { INGEST_DEFAULTS, type IngestConfig } from "./config.js";
import { chunkText } from "./chunk.js";
import type { Embedder } from "./embed/types.js";
import { DocsError } from "./errors.js";
import { extract, formatOf } from "./extract.js";
import { chunkId } from "./ids.js";
import type { Logger } from "./log.js";
import { createProgress, type Progress } from "./progress.js";
import type { DocFormat, DocumentRecord, StoredChunk, VectorStore } from "./store/types.js";

export interface IngestSummary {
  files: number;
  added: number;
  updated: number;
  unchanged: number;
  deleted: number;
  chunks: number;
  orphansSwept: number;
  skipped: Record<string, number>;
  /** Stopped before the end (SIGINT): deletions were not applied. */
  interrupted: boolean;
  ms: number;
}

export interface IngestOptions {
  readonly config: IngestConfig;
  readonly store: VectorStore;
  readonly embedder: Embedder;
  readonly log: Logger;
  readonly progress: Progress;
  /** Drop the collection and start over (another embedder, or a clean slate). */
  readonly rebuild?: boolean;
  /** Checked between files. */
  readonly stopped?: () => boolean;
}

const MAX_DEPTH = 32;

export async function ingest(o: IngestOptions): Promise<IngestSummary> {
  const t0 = Date.now();
  const { config, store, embedder, log, progress } = o;
  const stopped = o.stopped ?? (() => false);
  let roots;
  try {
    roots = await resolveRoots([config.root]);
  } catch {
    throw new DocsError(
      "INVALID_ARGUMENT",
      "--root does not exist or is not a directory (the file system root is refused too)",
    );
  }
  const policy = new PathPolicy({ roots, deny: new DenyList(config.deny), maxPathLength: 4096 });
  const dimensions = (await embedder.embeddings.embedQuery("dimension probe")).length;
  const meta = await store.prepare(embedder.id, dimensions, o.rebuild === true);
  const summary: IngestSummary = {
    files: 0,
    added: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    chunks: 0,
    orphansSwept: 0,
    skipped: {},
    interrupted: false,
    ms: 0,
  };
  const skip = (why: string) => (summary.skipped[why] = (summary.skipped[why] ?? 0) + 1);

  summary.orphansSwept = await store.sweepOrphans();
  if (summary.orphansSwept > 0) log.info(`removed ${summary.orphansSwept} chunks left by an interrupted run`);

  const start = await policy.resolveDir(".");
  const files: Array<{ source: string; format: DocFormat; entry: Parameters<PathPolicy["entryTarget"]>[0] }> = [];
  let walkCut = false;
  await walk(policy, start, { maxDepth: MAX_DEPTH, stop: stopped }, ({ entry, rel, depth }) => {
    if (entry.link) {
      skip("symbolic link");
      return;
    }
    if (entry.kind === "directory") {
      if (depth >= MAX_DEPTH) walkCut = true;
      return;
    }
    if (entry.kind !== "file") {
      skip("not a regular file");
      return;
    }
    const format = formatOf(entry.name);
    if (format === undefined) {
      skip("unsupported type");
      return;
    }
    files.push({ source: rel, format, entry });
  });
  if (walkCut) log.warn(`directories deeper than ${MAX_DEPTH} levels were not ingested`);

  const known = new Map((await store.documents()).map((d) => [d.source, d]));
  const seen = new Set<string>();
  progress.start(files.length);
  let done = 0;
  for (const f of files) {
    if (stopped()) {
      summary.interrupted = true;
      break;
    }
    seen.add(f.source);
    let note: string;
    try {
      note = await ingestFile(f.source, f.format, f.entry);
    } catch (err) {
      // one unreadable file does not stop the run; it is named (relative path only) and counted
      skip("unreadable");
      log.warn(`skipped ${f.source}: ${errorMessage(err)}`);
      note = "skipped: unreadable";
      seen.delete(f.source);
    }
    done += 1;
    progress.step(done, f.source, note);
  }
  progress.stop();
  summary.files = files.length;
  if (stopped()) summary.interrupted = true;

  if (!summary.interrupted && !walkCut) {
    for (const source of known.keys()) {
      if (!seen.has(source)) {
        await store.deleteDocument(source);
        summary.deleted += 1;
      }
    }
  }
  await store.optimize();
  await store.touch();
  summary.ms = Date.now() - t0;
  return summary;

  async function ingestFile(
    source: string,
    format: DocFormat,
    entry: Parameters<PathPolicy["entryTarget"]>[0],
  ): Promise<string> {
    const target = await policy.entryTarget(entry);
    if (target.stat.size > config.maxFileBytes) {
      skip("too large");
      seen.delete(source);
      return `skipped: larger than ${config.maxFileBytes} bytes`;
    }
    const fh = await policy.openFile(target);
    let bytes: Buffer;
    try {
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
    if (bytes.length > config.maxFileBytes) {
      skip("too large");
      seen.delete(source);
      return `skipped: larger than ${config.maxFileBytes} bytes`;
    }
    if (bytes.subarray(0, 8192).includes(0)) {
      skip("binary");
      seen.delete(source);
      return "skipped: binary";
    }
    const hash = createHash("sha256").update(bytes).digest("hex");
    const prior = known.get(source);
    if (prior !== undefined && prior.hash === hash) {
      summary.unchanged += 1;
      return "unchanged";
    }
    const name = source.split("/").pop() ?? source;
    const extracted = extract(new TextDecoder("utf-8").decode(bytes), format, name.replace(/\.[^.]+$/, ""));
    const chunks = await chunkText(extracted.text, config.chunkSize, config.chunkOverlap);
    // the title leads each chunk's embedded text: a chunk deep in a page still says what page it is from
    const vectors =
      chunks.length === 0
        ? []
        : await embedder.embeddings.embedDocuments(chunks.map((c) => `${extracted.title}\n${c.heading}\n${c.text}`));
    const stored: StoredChunk[] = chunks.map((c, i) => ({
      id: chunkId(meta.id, source, c.ordinal),
      source,
      hash,
      ordinal: c.ordinal,
      title: extracted.title,
      heading: c.heading,
      format,
      text: c.text,
      vector: vectors[i] ?? [],
    }));
    const doc: DocumentRecord = {
      source,
      hash,
      title: extracted.title,
      format,
      bytes: bytes.length,
      chunks: stored.length,
      ingestedAt: new Date().toISOString(),
    };
    await store.putDocument(doc, stored);
    summary.chunks += stored.length;
    if (prior === undefined) summary.added += 1;
    else summary.updated += 1;
    return `${prior === undefined ? "added" : "updated"} (${stored.length} chunks)`;
  }
}

/** A fresh collection from `root` with the default settings and no progress output (the benchmark, the evaluation). */
export async function rebuildQuietly(
  root: string,
  o: Pick<IngestOptions, "store" | "embedder" | "log">,
): Promise<IngestSummary> {
  return await ingest({
    ...o,
    config: { root, deny: [...DEFAULT_DENY], ...INGEST_DEFAULTS, progress: "quiet" },
    progress: createProgress("quiet"),
    rebuild: true,
  });
}
