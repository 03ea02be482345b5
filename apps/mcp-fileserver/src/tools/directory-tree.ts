import { z } from "zod";
import { walk } from "../walk.js";
import { addReadOnlyTool, stopper, text, timeoutError, type Server, type ToolDeps } from "./common.js";

export function registerDirectoryTree(server: Server, deps: ToolDeps): void {
  const { limits, policy } = deps;
  const defaultEntries = Math.min(500, limits.maxEntries);
  addReadOnlyTool(server, deps, {
    name: "directory_tree",
    description: `Show the tree below ROOT/path, max_depth levels deep (default 3, up to ${limits.maxDepth}) and at most max_entries entries (default ${defaultEntries}). Symbolic links are shown but not followed. The result says when it was truncated.`,
    title: "Directory tree",
    parameters: z.object({
      path: z.string().default("."),
      max_depth: z.number().int().min(1).max(limits.maxDepth).default(3),
      max_entries: z.number().int().min(1).max(limits.maxEntries).default(defaultEntries),
    }),
    outputSchema: z.object({
      path: z.string(),
      entries: z.array(
        z.object({
          path: z.string(),
          type: z.enum(["file", "directory", "other"]),
          depth: z.number().int(),
          link: z.boolean(),
        }),
      ),
      truncated: z.boolean(),
    }),
    run: async (args, signal) => {
      const dir = await policy.resolveDir(args.path);
      const entries: Array<{ path: string; type: "file" | "directory" | "other"; depth: number; link: boolean }> = [];
      const lines: string[] = [dir.display === "." ? "./" : `${dir.display}/`];
      let truncated = false;
      await walk(policy, dir, { maxDepth: args.max_depth, stop: stopper(signal) }, (w) => {
        if (entries.length >= args.max_entries) {
          truncated = true;
          return true;
        }
        entries.push({ path: w.rel, type: w.entry.kind, depth: w.depth, link: w.entry.link });
        const suffix = w.entry.kind === "directory" ? "/" : "";
        lines.push(`${"  ".repeat(w.depth)}${w.entry.name}${suffix}${w.entry.link ? " (link)" : ""}`);
        return false;
      });
      if (signal.aborted) throw timeoutError("directory_tree");
      if (truncated)
        lines.push(`[truncated: first ${entries.length} entries shown; raise max_entries or lower max_depth]`);
      return { content: text(lines.join("\n")), structuredContent: { path: dir.display, entries, truncated } };
    },
  });
}
