import { z } from "zod";
import { compileGlob } from "../glob.js";
import { walk } from "../walk.js";
import { addReadOnlyTool, stopper, text, timeoutError, type Server, type ToolDeps } from "./common.js";

export function registerSearchFiles(server: Server, deps: ToolDeps): void {
  const { limits, policy } = deps;
  const defaultResults = Math.min(200, limits.maxEntries);
  addReadOnlyTool(server, deps, {
    name: "search_files",
    description:
      "Find files and directories below ROOT/path whose name matches the glob `pattern` (a pattern containing '/' is matched against the path relative to `path`). " +
      `Returns paths relative to the root, at most max_results (default ${defaultResults}). The result says when it was truncated.`,
    title: "Search file names",
    parameters: z.object({
      pattern: z.string().describe("Glob: * ? [abc] {a,b} **"),
      path: z.string().default("."),
      max_results: z.number().int().min(1).max(limits.maxEntries).default(defaultResults),
      max_depth: z.number().int().min(1).max(limits.maxDepth).default(limits.maxDepth),
    }),
    outputSchema: z.object({
      path: z.string(),
      pattern: z.string(),
      matches: z.array(z.object({ path: z.string(), type: z.enum(["file", "directory", "other"]) })),
      truncated: z.boolean(),
    }),
    run: async (args, signal) => {
      const glob = compileGlob(args.pattern, "pattern");
      const dir = await policy.resolveDir(args.path);
      const matches: Array<{ path: string; type: "file" | "directory" | "other" }> = [];
      let truncated = false;
      await walk(policy, dir, { maxDepth: args.max_depth, stop: stopper(signal) }, (w) => {
        const hit = glob.hasSlash ? glob.match(w.rel) : glob.match(w.entry.name);
        if (!hit) return false;
        if (matches.length >= args.max_results) {
          truncated = true;
          return true;
        }
        matches.push({ path: w.entry.display, type: w.entry.kind });
        return false;
      });
      if (signal.aborted) throw timeoutError("search_files");
      const lines = matches.map((m) => (m.type === "directory" ? `${m.path}/` : m.path));
      if (truncated)
        lines.push(`[truncated: first ${matches.length} matches shown; raise max_results or narrow the pattern]`);
      if (matches.length === 0) lines.push("(no matches)");
      return {
        content: text(lines.join("\n")),
        structuredContent: { path: dir.display, pattern: args.pattern, matches, truncated },
      };
    },
  });
}
