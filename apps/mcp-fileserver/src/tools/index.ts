import type { Server, ToolDeps } from "./common.js";
import { registerDirectoryTree } from "./directory-tree.js";
import { registerFileInfo } from "./file-info.js";
import { registerListDir } from "./list-dir.js";
import { registerReadText } from "./read-text.js";
import { registerSearchFiles } from "./search-files.js";
import { registerSearchText } from "./search-text.js";

export type { ToolDeps } from "./common.js";

export function registerTools(server: Server, deps: ToolDeps): void {
  registerListDir(server, deps);
  registerReadText(server, deps);
  registerFileInfo(server, deps);
  registerDirectoryTree(server, deps);
  registerSearchFiles(server, deps);
  registerSearchText(server, deps);
}
