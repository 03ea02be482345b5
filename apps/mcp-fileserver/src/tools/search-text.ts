import { z } from "zod";
import { FsError } from "../errors.js";
import { compileGlob, type Glob } from "../glob.js";
import { compileSafeRegex } from "../regex.js";
import { readForSearch } from "../text.js";
import { walk } from "../walk.js";
import { addReadOnlyTool, stopper, text, timeoutError, type Server, type ToolDeps } from "./common.js";

const MAX_LINE_CHARS = 400;
const MAX_QUERY = 1000;
/** A regex sees at most this many characters per call: bounds its memory and its uninterruptible time. */
export const WINDOW_CHARS = 2048;
/** Consecutive windows overlap by this much, so a match up to this long is found across a window edge. */
export const WINDOW_OVERLAP = 256;
/** The search yields to the event loop this often, so other sessions and health checks are answered. */
const YIELD_MS = 20;
const STOPPED = -2;

export function registerSearchText(server: Server, deps: ToolDeps): void {
  const { limits, policy } = deps;
  const defaultResults = Math.min(100, limits.maxEntries);
  addReadOnlyTool(server, deps, {
    name: "search_text",
    description:
      "Search the contents of text files below ROOT/path. The query is literal text unless regex=true (linear-time regular expressions: " +
      "no backreferences or lookaround). `include` is an optional glob on file names (or relative paths when it contains '/'). " +
      `At most max_results matching lines (default ${defaultResults}); binary and very large files are skipped; the search stops after ${limits.searchTimeMs} ms. ` +
      "The result says when it was truncated.",
    title: "Search file contents",
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
      notes: z.array(z.string()).optional().describe("How the search was bounded, e.g. long lines searched in windows"),
      files_scanned: z.number().int(),
      files_skipped: z.number().int().describe("Binary, too large, unreadable or changed files"),
    }),
    run: async (args, signal) => {
      if (args.query.includes("\0")) throw new FsError("INVALID_ARGUMENT", "query contains a NUL character");
      const include: Glob | undefined = args.include === undefined ? undefined : compileGlob(args.include, "include");
      const find = makeFinder(args.query, args.regex, args.case_sensitive);
      const dir = await policy.resolveDir(args.path);
      const deadline = Date.now() + limits.searchTimeMs;
      const outOfTime = stopper(signal, deadline);
      const matches: Array<{ path: string; line: number; text: string }> = [];
      let truncatedReason: "max_results" | "time" | undefined;
      let scanned = 0;
      let skipped = 0;
      let windowedLines = 0;
      let lastYield = Date.now();
      const pause = async (): Promise<void> => {
        if (Date.now() - lastYield < YIELD_MS) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      };
      await walk(policy, dir, { maxDepth: args.max_depth, stop: outOfTime }, async (w) => {
        if (w.entry.kind !== "file") return false;
        if (include !== undefined && !(include.hasSlash ? include.match(w.rel) : include.match(w.entry.name)))
          return false;
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
          if ((args.regex || (i & 1023) === 0) && outOfTime()) return true;
          await pause();
          const line = lines[i] ?? "";
          const windowed = find.windowed !== undefined && line.length > WINDOW_CHARS;
          if (windowed) windowedLines++;
          const at =
            windowed && find.windowed !== undefined ? await find.windowed(line, outOfTime, pause) : find.line(line);
          if (at === STOPPED) return true;
          if (at < 0) continue;
          if (matches.length >= args.max_results) {
            truncatedReason = "max_results";
            return true;
          }
          matches.push({ path: w.entry.display, line: i + 1, text: snippet(line.replace(/\r$/, ""), at) });
        }
        return false;
      });
      if (signal.aborted) throw timeoutError("search_text");
      if (truncatedReason === undefined && Date.now() > deadline) truncatedReason = "time";
      const out = matches.map((m) => `${m.path}:${m.line}: ${m.text}`);
      if (matches.length === 0) out.push("(no matches)");
      if (truncatedReason === "max_results")
        out.push(`[truncated: first ${matches.length} matches shown; raise max_results or narrow the search]`);
      if (truncatedReason === "time")
        out.push(`[truncated: search stopped after ${limits.searchTimeMs} ms; narrow path or include]`);
      const notes =
        windowedLines > 0
          ? [
              `${windowedLines} line(s) longer than ${WINDOW_CHARS} characters were searched in overlapping ${WINDOW_CHARS}-character windows; ` +
                `a regex match longer than ${WINDOW_OVERLAP} characters that crosses a window edge can be missed`,
            ]
          : [];
      for (const n of notes) out.push(`[note: ${n}]`);
      return {
        content: text(out.join("\n")),
        structuredContent: {
          path: dir.display,
          matches,
          truncated: truncatedReason !== undefined,
          ...(truncatedReason !== undefined ? { truncated_reason: truncatedReason } : {}),
          ...(notes.length > 0 ? { notes } : {}),
          files_scanned: scanned,
          files_skipped: skipped,
        },
      };
    },
  });
}

/** Where the first match starts: -1 for none, STOPPED when time ran out. */
interface Finder {
  line(line: string): number;
  /** For regexes: a line longer than WINDOW_CHARS, window by window, pausing for the event loop. */
  windowed?: (line: string, outOfTime: () => boolean, pause: () => Promise<void>) => Promise<number>;
}

function makeFinder(query: string, regex: boolean, caseSensitive: boolean): Finder {
  if (regex) return windowedRegexFinder(compileSafeRegex(query, caseSensitive));
  if (caseSensitive) return { line: (line) => line.indexOf(query) };
  const q = query.toLowerCase();
  return { line: (line) => line.toLowerCase().indexOf(q) };
}

/**
 * A line longer than WINDOW_CHARS is searched window by window (checking the clock between windows).
 * Each window carries one character of context on each side that a match may look at but not start in:
 * searching from index 1 keeps `^` from matching at a cut, and a match that reaches into the trailing
 * context (as `$` would at a cut) is left to the next window, which overlaps this one.
 */
function windowedRegexFinder(re: RegExp): Finder {
  const first = (text: string, from: number): { start: number; end: number } | undefined => {
    re.lastIndex = from;
    const m = re.exec(text);
    return m === null ? undefined : { start: m.index, end: m.index + m[0].length };
  };
  return {
    line: (line) => first(line, 0)?.start ?? -1,
    windowed: async (line, outOfTime, pause) => {
      for (let s = 0; ; s += WINDOW_CHARS - WINDOW_OVERLAP) {
        if (outOfTime()) return STOPPED;
        await pause();
        const e = Math.min(line.length, s + WINDOW_CHARS);
        const last = e === line.length;
        const from = s === 0 ? 0 : s - 1;
        const m = first(line.slice(from, last ? e : e + 1), s - from);
        if (m !== undefined && (last || from + m.end <= e)) return from + m.start;
        if (last) return -1;
      }
    },
  };
}

/** The line, or for a long one MAX_LINE_CHARS around where the match starts. */
function snippet(line: string, at: number): string {
  if (line.length <= MAX_LINE_CHARS) return line;
  const start = Math.max(0, Math.min(at - 100, line.length - MAX_LINE_CHARS));
  const end = start + MAX_LINE_CHARS;
  return `${start > 0 ? "…" : ""}${line.slice(start, end)}${end < line.length ? "…" : ""}`;
}
