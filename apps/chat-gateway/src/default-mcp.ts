// Embedded mode's default tool sources, when no MCP server is configured: this repo's file server and docs server,
// both over stdio. Two servers, so the agent sees their tools as files__list_dir, docs__vector_search, …
import type { McpServerConfig } from "@acb/chains/config";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const appFile = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export interface DefaultMcpOptions {
  /** FILES_ROOT: the file server's root (default: the cwd). */
  readonly filesRoot: string | undefined;
  /** DOCS_DATA_DIR: the docs server's LanceDB directory (default: `.mcp-docs` in the cwd). */
  readonly docsDataDir: string | undefined;
}

/**
 * The docs server gets `--seed` with the sample collection shipped in apps/mcp-docs/sample: it ingests it itself when
 * its collection is empty (about 0.3 s, once), so `pnpm start` or `node dist/main.js` alone gives a working
 * vector_search with nothing to run first; a collection someone ingested into that directory is served as it is.
 */
export function defaultMcpServers(o: DefaultMcpOptions, cwd: string = process.cwd()): Record<string, McpServerConfig> {
  return {
    files: {
      transport: "stdio",
      command: process.execPath,
      args: [appFile("mcp-fileserver/dist/main.js"), "--root", o.filesRoot ?? cwd],
    },
    docs: {
      transport: "stdio",
      command: process.execPath,
      args: [
        appFile("mcp-docs/dist/main.js"),
        "--data-dir",
        o.docsDataDir ?? join(cwd, ".mcp-docs"),
        "--seed",
        appFile("mcp-docs/sample"),
      ],
    },
  };
}
