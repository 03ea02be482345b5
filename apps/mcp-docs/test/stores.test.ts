import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { LanceStore } from "../src/store/lance.js";
import { PostgresStore } from "../src/store/postgres.js";
import { startPglite, type PgHandle } from "./pglite.js";
import { storeContract } from "./store-contract.js";

const dir = mkdtempSync(join(tmpdir(), "mcpdocs-lance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
storeContract("lance", () => LanceStore.open(dir, "contract"));

let pg: PgHandle;
beforeAll(async () => {
  pg = await startPglite();
});
afterAll(async () => {
  await pg.stop();
});
storeContract("postgres (pg wire client → PGlite + pgvector)", async () => PostgresStore.open(pg.url, "contract", 1));
