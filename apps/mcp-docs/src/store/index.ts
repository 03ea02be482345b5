import type { StoreConfig } from "../config.js";
import { LanceStore } from "./lance.js";
import { PostgresStore } from "./postgres.js";
import type { VectorStore } from "./types.js";

export type * from "./types.js";

export async function openStore(cfg: StoreConfig): Promise<VectorStore> {
  return cfg.kind === "lance"
    ? await LanceStore.open(cfg.dataDir, cfg.collection)
    : PostgresStore.open(cfg.url, cfg.collection, cfg.poolSize);
}
