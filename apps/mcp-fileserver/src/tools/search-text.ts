import { z } from "zod";
import { FsError } from "../errors.js";
import { compileGlob, type Glob } from "../glob.js";
import { compileSafeRegex } from "../regex.js";
import { readForSearch } from "../text.js";
import { walk } from "../walk.js";
import { guarded, READ_ONLY, stopper, text, timeoutError, type Server, type ToolDeps } from "./common.js";

const MAX_LINE_CHARS = 400;
const MAX_QUERY = 1000;

export function registerSearchText(server: Server, deps: ToolDeps): void {
  const { limits, policy } = deps;
  const defaultResults = Math.min(100, limits.maxEntries);
  server.addTool({
    name: "search_text",
    description:
      "Search the contents of text files below ROOT/path. The query is literal text unless regex=true (linear-time regular expressions: " +
      "no backreferences or lookaround). `include` is an optional glob on file names (or relative paths when it contains '/'). " +
      `At most max_results matching lines (default ${defaultResults}); binary and very large files are skipped; the search stops after ${limits.searchTimeMs} ms. ` +
      "The result says when it was truncated.",
    annotations: { ...READ_ONLY, title: "Search file contents" },
    timeoutMs: limits.toolTimeoutMs,
    parameters: z.object({
      query: z.string().min(1).max(MAX_QUERY),
      path: z.string().default("."),
      regex: z.boolean().default(false),
      case_sensitive: z.boolean().default(true),
      include: z.string().optional().describe("Glob on file names, e.g. *.md"),
      max_results: z.number().int().min(1).max(limits.maxEntries).default(defaultResults),
      max_depth: z.number().int().min(1).max(limits.maxDepth).default(limits.maxDepth),
    }),
    outputSchema: z.object({
      path: z.string(),
      matches: z.array(z.object({ path: z.string(), line: z.number().int(), text: z.string() })),
      truncated: z.boolean(),
      truncated_reason: z.enum(["max_results", "time"]).optional(),
      files_scanned: z.number().int(),
      files_skipped: z.number().int().describe("Binary, too large, unreadable or changed files"),
    }),
    execute: (args, ctx) =>
      guarded("search_text", deps, async () => {
        if (args.query.includes("\0")) throw new FsError("INVALID_ARGUMENT", "query contains a NUL character");
        const include: Glob | undefined = args.include === undefined ? undefined : compileGlob(args.include, "include");
        const matcher = makeMatcher(args.query, args.regex, args.case_sensitive);
        const dir = await policy.resolveDir(args.path);
        const deadline = Date.now() + limits.searchTimeMs;
        const outOfTime = stopper(ctx.signal, deadline);
        const matches: Array<{ path: string; line: number; text: string }> = [];
        let truncatedReason: "max_results" | "time" | undefined;
        let scanned = 0;
        let skipped = 0;
        await walk(policy, dir, { maxDepth: args.max_depth, stop: outOfTime }, async (w) => {
          if (w.entry.kind !== "file") return false;
          if (include !== undefined && !(include.hasSlash ? include.match(w.rel) : include.match(w.entry.name))) return false;
          let content: string | null;
          try {
            const target = await policy.entryTarget(w.entry);
            if (target.stat.size > limits.searchMaxFileBytes) {
              skipped++;
              return false;
            }
            const fh = await policy.openFile(target);
            try {
              content = await readForSearch(fh, Math.min((await fh.stat()).size, limits.searchMaxFileBytes));
            } finally {
              await fh.close();
            }
          } catch (err) {
            if (err instanceof FsError) {
              skipped++;
              return false;
            }
            throw err;
          }
          if (content === null) {
            skipped++;
            return false;
          }
          scanned++;
          const lines = content.split("\n");
          for (let i = 0; i < lines.length; i++) {
            if ((i & 1023) === 0 && outOfTime()) return true;
            const line = lines[i] ?? "";
            if (!matcher(line)) continue;
            if (matches.length >= args.max_results) {
              truncatedReason = "max_results";
              return true;
            }
            const shown = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
            matches.push({ path: w.entry.display, line: i + 1, text: shown.replace(/\r$/, "") });
          }
          return false;
        });
        if (ctx.signal.aborted) throw timeoutError("search_text");
        if (truncatedReason === undefined && Date.now() > deadline) truncatedReason = "time";
        const out = matches.map((m) => `${m.path}:${m.line}: ${m.text}`);
        if (matches.length === 0) out.push("(no matches)");
        if (truncatedReason === "max_results") out.push(`[truncated: first ${matches.length} matches shown; raise max_results or narrow the search]`);
        if (truncatedReason === "time") out.push(`[truncated: search stopped after ${limits.searchTimeMs} ms; narrow path or include]`);
        return {
          content: text(out.join("\n")),
          structuredContent: {
            path: dir.display,
            matches,
            truncated: truncatedReason !== undefined,
            ...(truncatedReason !== undefined ? { truncated_reason: truncatedReason } : {}),
            files_scanned: scanned,
            files_skipped: skipped,
          },
        };
      }),
  });
}

function makeMatcher(query: string, regex: boolean, caseSensitive: boolean): (line: string) => boolean {
  if (regex) {
    const re = compileSafeRegex(query, caseSensitive);
    return (line) => {
      re.lastIndex = 0;
      return re.test(line);
    };
  }
  if (caseSensitive) return (line) => line.includes(query);
  const q = query.toLowerCase();
  return (line) => line.toLowerCase().includes(q);
}
