import { errorMessage } from "@acb/logger";
import { READ_ONLY, text } from "@acb/mcp-fileserver/tools/common";
import { UserError, type ContentResult, type FastMCP } from "fastmcp";
import type { SearchLimits } from "../config.js";
import { DocsError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Retriever } from "../retriever.js";
import type { VectorStore } from "../store/types.js";

export { READ_ONLY, text };

export interface ToolDeps {
  readonly store: VectorStore;
  readonly retriever: Retriever;
  readonly limits: SearchLimits;
  readonly log: Logger;
}

export type Server = FastMCP;

/**
 * Runs a tool body: typed errors become a clear tool error (isError) with the code first; anything
 * unexpected is logged on the server and answered with a generic message (no host path, no stack, no DSN).
 */
export async function guarded(
  name: string,
  deps: ToolDeps,
  body: () => Promise<ContentResult>,
): Promise<ContentResult> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof DocsError) throw new UserError(`${err.code}: ${err.message}`);
    if (err instanceof UserError) throw err;
    deps.log.error(`tool ${name} failed`, { error: errorMessage(err) });
    throw new UserError("INTERNAL: the operation failed");
  }
}
