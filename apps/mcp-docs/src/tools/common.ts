import { addReadOnlyTool, text } from "@acb/mcp-fileserver/tools/common";
import type { FastMCP } from "fastmcp";
import type { SearchLimits } from "../config.js";
import type { Logger } from "../log.js";
import type { Retriever } from "../retriever.js";
import type { VectorStore } from "../store/types.js";

// The file server's tool declaration (READ_ONLY hints, the tool timeout, typed errors as `CODE: message` tool errors).
export { addReadOnlyTool, text };

export interface ToolDeps {
  readonly store: VectorStore;
  readonly retriever: Retriever;
  readonly limits: SearchLimits;
  readonly log: Logger;
}

export type Server = FastMCP;
