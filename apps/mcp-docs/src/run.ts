/**
 * What mcp-docs does once its configuration is read: open the store, then serve or ingest. Kept apart from main.ts
 * because it pulls in LanceDB, LangChain and fastmcp (about a second of CPU), which a refused start never needs.
 */
import { errorMessage } from "@acb/logger";
import { startHttp } from "@acb/mcp-fileserver/http";
import { exitOnSignals, exitWith } from "@acb/mcp-fileserver/lifecycle";
import type { Config, IngestCommandConfig, ServeConfig } from "./config.js";
import { buildEmbedder } from "./embed/index.js";
import { DocsError } from "./errors.js";
import { ingest } from "./ingest.js";
import { createLogger, type Logger } from "./log.js";
import { createProgress } from "./progress.js";
import { buildServer } from "./server.js";
import { openStore } from "./store/index.js";
import type { VectorStore } from "./store/types.js";

function fail(message: string, code = 2): never {
  return exitWith("mcp-docs", message, code);
}

async function runIngest(config: IngestCommandConfig, store: VectorStore, log: Logger): Promise<void> {
  let stops = 0;
  process.on("SIGINT", () => {
    stops += 1;
    if (stops === 1) log.warn("interrupted: finishing the current file (Ctrl-C again to stop now; a re-run resumes)");
    else process.exit(130);
  });
  const summary = await ingest({
    config: config.ingest,
    store,
    embedder: buildEmbedder(config.embeddings),
    log,
    progress: createProgress(config.ingest.progress),
    rebuild: config.rebuild,
    stopped: () => stops > 0,
  });
  const skipped = Object.entries(summary.skipped)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  process.stderr.write(
    `mcp-docs: ${summary.interrupted ? "INTERRUPTED after" : "ingested"} ${summary.files} files in ${summary.ms} ms: ${summary.added} added, ${summary.updated} updated, ` +
      `${summary.unchanged} unchanged, ${summary.deleted} deleted, ${summary.chunks} chunks embedded${skipped !== "" ? `; skipped ${skipped}` : ""}\n`,
  );
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  await store.close();
  process.exit(summary.interrupted ? 130 : 0);
}

async function runServe(config: ServeConfig, store: VectorStore, log: Logger): Promise<void> {
  const embedder = buildEmbedder(config.embeddings);
  let meta = await store.meta();
  // Only a collection no ingestion run has finished in is seeded (generation 1 = created, never touched: a seed cut
  // off by a connect timeout resumes on the next start); one that holds a finished run is never rewritten here.
  if ((meta === undefined || meta.generation <= 1) && config.seed !== undefined) {
    const s = await ingest({ config: config.seed, store, embedder, log, progress: createProgress("quiet") }).catch(
      (err: unknown) => {
        // ingest names --root; here the directory came from --seed
        throw err instanceof DocsError && err.code === "INVALID_ARGUMENT"
          ? new DocsError("INVALID_ARGUMENT", "--seed does not exist or is not a directory")
          : err;
      },
    );
    log.info(`seeded the empty collection: ${s.files} files, ${s.added} added, ${s.chunks} chunks in ${s.ms} ms`);
    meta = await store.meta();
  }
  if (meta === undefined)
    log.warn("the collection is empty: tools answer NOT_INGESTED until `mcp-docs ingest --root DIR` has run");
  else if (meta.embedder !== embedder.id)
    log.warn(
      `the collection was built with ${meta.embedder}, queries would use ${embedder.id}: tools answer EMBEDDINGS errors`,
    );
  const server = buildServer(store, embedder, config.limits, log);
  let close: () => Promise<void>;
  if (config.transport === "stdio") {
    await server.start({ transportType: "stdio" });
    process.stdin.once("end", () => process.exit(0));
    log.info(`serving the ${store.kind} collection over stdio`);
    close = () => server.stop();
  } else {
    const front = await startHttp(server, config.http, log);
    log.info(
      `serving the ${store.kind} collection at ${front.url}${config.http.token === undefined ? " (no token: loopback only)" : " (bearer token required)"}`,
    );
    close = () => front.close();
  }
  exitOnSignals(() => close().then(() => store.close()));
}

export async function run(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  let store: VectorStore;
  try {
    store = await openStore(config.store);
  } catch (err) {
    fail(`store: cannot open the ${config.store.kind} store (${errorMessage(err)})`, 1);
  }
  try {
    if (config.command === "ingest") await runIngest(config, store, log);
    else await runServe(config, store, log);
  } catch (err) {
    if (err instanceof DocsError) fail(`${err.code}: ${err.message}`, 1);
    throw err;
  }
}
