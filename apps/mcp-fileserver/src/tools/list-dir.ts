import { z } from "zod";
import { compileGlob } from "../glob.js";
import { walk } from "../walk.js";
import { addReadOnlyTool, stopper, text, timeoutError, type Server, type ToolDeps } from "./common.js";

/** The seed's `list_dir(path=".", pattern="*")`: names of the files under `path` matching the glob. */
export function registerListDir(server: Server, deps: ToolDeps): void {
  const { limits, policy } = deps;
  const defaultMax = Math.min(1000, limits.maxEntries);
  addReadOnlyTool(server, deps, {
    name: "list_dir",
    description:
      "List the files under ROOT/path whose names match the glob `pattern` (files only, sorted). A pattern with '/' or '**' " +
      `(e.g. "**/*.md") matches paths relative to \`path\` in subdirectories. At most max_entries names (default ${defaultMax}); ` +
      "the result says when it was truncated.",
    title: "List files",
    parameters: z.object({
      path: z.string().default(".").describe("Directory relative to the root"),
      pattern: z.string().default("*").describe("Glob: * ? [abc] {a,b} **"),
      max_entries: z.number().int().min(1).max(limits.maxEntries).default(defaultMax).describe("Most names to return"),
    }),
    outputSchema: z.object({
      path: z.string(),
      pattern: z.string(),
      files: z.array(z.string()),
      truncated: z.boolean(),
      total_matched: z.number().int().describe("Matches seen (a lower bound when the walk itself was cut short)"),
    }),
    run: async (args, signal) => {
      const glob = compileGlob(args.pattern, "pattern");
      const dir = await policy.resolveDir(args.path);
      const stop = stopper(signal);
      const maxDepth = Math.min(glob.maxSegments(), limits.maxDepth);
      const files: string[] = [];
      let matched = 0;
      await walk(policy, dir, { maxDepth, stop }, (w) => {
        if (w.entry.kind !== "file" || !glob.match(w.rel)) return false;
        matched++;
        if (files.length < args.max_entries) files.push(w.rel);
        return matched > args.max_entries * 4 + 1000; // enough to know it was truncated
      });
      if (signal.aborted) throw timeoutError("list_dir");
      const truncated = matched > files.length;
      const structured = { path: dir.display, pattern: args.pattern, files, truncated, total_matched: matched };
      const content = truncated
        ? text(
            JSON.stringify(files),
            `[truncated: ${files.length} of ${matched}+ matching files shown; raise max_entries or narrow the pattern]`,
          )
        : text(JSON.stringify(files));
      return { content, structuredContent: structured };
    },
  });
}
