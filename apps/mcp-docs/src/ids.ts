/**
 * Chunk ids: `<collection id>~<source digest>~<ordinal>`, e.g. `3f9a0c1e~8d41c9b2e07f5a63~4`. Clients treat
 * them as opaque. The collection id prefix lets doc_get tell "from another collection" from "unknown"; the
 * id of a chunk is stable while its file keeps its path (a changed file re-uses ids for its new chunks).
 */
import { createHash } from "node:crypto";

export const CHUNK_ID = /^([0-9a-f]{8})~([0-9a-f]{16})~(\d{1,7})$/;

export function sourceDigest(source: string): string {
  return createHash("sha256").update(source, "utf8").digest("hex").slice(0, 16);
}

export function chunkId(collectionId: string, source: string, ordinal: number): string {
  return `${collectionId}~${sourceDigest(source)}~${ordinal}`;
}

export function parseChunkId(id: string): { collection: string; digest: string; ordinal: number } | undefined {
  const m = CHUNK_ID.exec(id);
  if (m === null) return undefined;
  return { collection: m[1] as string, digest: m[2] as string, ordinal: Number(m[3]) };
}
