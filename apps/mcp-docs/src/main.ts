#!/usr/bin/env node
/**
 * Composition root: read config once, then build the embedder and the store and serve or ingest (run.ts).
 * The configuration is read before run.ts is imported, so a refused start costs no LanceDB/LangChain/fastmcp load.
 */
import { errorMessage } from "@acb/logger";
import { configOrExit } from "@acb/mcp-fileserver/lifecycle";
import { loadConfig } from "./config.js";

async function main(): Promise<void> {
  const config = configOrExit("mcp-docs", () => loadConfig(process.argv.slice(2), process.env));
  const { run } = await import("./run.js");
  await run(config);
}

main().catch((err: unknown) => {
  process.stderr.write(`mcp-docs: failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
